import type { ServerResponse } from 'node:http';
import nodemailer from 'nodemailer';
import { env } from './env.ts';
import { log } from './log.ts';

export interface SentMail { to: string; subject: string; text: string }

let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
// Set by captureMail(): tests read what would have gone out, as if SMTP were configured.
let outbox: SentMail[] | undefined;

/** Sends when SMTP_URL is configured; otherwise returns false and the caller says who hands the link over. */
export async function sendMail(to: string, subject: string, text: string): Promise<boolean> {
  if (outbox) {
    outbox.push({ to, subject, text });
    return true;
  }
  if (!env.SMTP_URL) return false;
  transport ??= nodemailer.createTransport(env.SMTP_URL);
  try {
    await transport.sendMail({ from: env.MAIL_FROM, to, subject, text });
    return true;
  } catch (err) {
    log.warn({ err: (err as Error).message, subject }, 'mail not sent');
    return false;
  }
}

export const mailConfigured = (): boolean => Boolean(outbox) || Boolean(env.SMTP_URL);

/**
 * For tests: from now on mail is "configured" and collected in the returned array instead of sent;
 * `captureMail(false)` goes back to the environment's setting.
 */
export function captureMail(on = true): SentMail[] {
  outbox = on ? [] : undefined;
  return outbox ?? [];
}

// Work queued by a request to run after its answer (issue 23 F6): "forgot password" looks the
// account up, makes the link and mails it here, so its answer takes the same time for any address.
// In memory, per instance: a task lost in a crash costs the user one more request.
const queued = new Set<Promise<void>>();
// Set by holdQueuedWork(): tests look at the moment between the answer and the work.
let held: { promise: Promise<void>; release: () => void } | undefined;

/** Runs `task` once `res` is handed to the network (or gone), never inside the request's time. */
export function afterAnswer(res: ServerResponse, task: () => Promise<unknown>, what: string): void {
  const answered = new Promise<void>((resolve) => {
    if (res.writableFinished || res.destroyed) return resolve();
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
  });
  const run: Promise<void> = answered.then(() => new Promise<void>((resolve) => setImmediate(resolve)))
    .then(() => held?.promise)
    .then(task)
    .then(() => undefined, (err: unknown) => { log.warn({ err: (err as Error).message, what }, 'queued work failed'); })
    .finally(() => { queued.delete(run); });
  queued.add(run);
}

/** For tests: queued work waits until `holdQueuedWork(false)`. */
export function holdQueuedWork(on = true): void {
  if (on && !held) {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => { release = resolve; });
    held = { promise, release };
  } else if (!on && held) {
    held.release();
    held = undefined;
  }
}

/** Resolves when every queued task has run (shutdown, and tests reading the outbox). */
export async function queuedWorkDone(): Promise<void> {
  while (queued.size) await Promise.all([...queued]);
}
