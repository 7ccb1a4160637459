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
