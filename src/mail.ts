import nodemailer from 'nodemailer';
import { env } from './env.ts';
import { log } from './log.ts';

let transport: ReturnType<typeof nodemailer.createTransport> | undefined;

/** Sends when SMTP_URL is configured; otherwise returns false and the caller shows the link instead. */
export async function sendMail(to: string, subject: string, text: string): Promise<boolean> {
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

export const mailConfigured = (): boolean => Boolean(env.SMTP_URL);
