import { z } from 'zod';
import { latinDigits, normalizeText } from '../text.ts';
import { parseJalaliDate, startOfJalaliDay, isPeriod } from '../calendar.ts';
import { parseReferencePeriod } from '../stats/releases/period.ts';
import { ANNOUNCEMENT_KINDS, type AnnouncementKind } from './calendar.ts';

// The forms of the release calendar: an announcement (period, kind, Jalali date and Tehran time)
// and a move (new date and time, and a reason). Digits may be Persian, Arabic-Indic or Latin.

const str = (v: unknown): string => (typeof v === 'string' ? latinDigits(v).trim() : '');

/** A Jalali date and an HH:MM Tehran time → the instant. Iran keeps one offset all year (since 1401). */
export function tehranInstant(date: string, time: string): Date | null {
  const d = parseJalaliDate(date);
  const t = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!d || !t) return null;
  return new Date(startOfJalaliDay(d).getTime() + (Number(t[1]) * 60 + Number(t[2])) * 60_000);
}

const instant = z.object({ date: z.preprocess(str, z.string()), time: z.preprocess(str, z.string()) }).transform((v, ctx) => {
  const d = parseJalaliDate(v.date);
  if (!d) { ctx.addIssue({ code: 'custom', path: ['date'], message: 'تاریخ را به صورت ۱۴۰۵/۰۷/۱۵ وارد کنید.' }); return z.NEVER; }
  const at = tehranInstant(v.date, v.time);
  if (!at) { ctx.addIssue({ code: 'custom', path: ['time'], message: 'ساعت را به صورت ۰۹:۳۰ (به وقت تهران) وارد کنید.' }); return z.NEVER; }
  return at;
});

export const announceForm = z.object({
  period: z.preprocess((v) => str(v).toUpperCase(), z.string().refine((p) => parseReferencePeriod(p) !== null, 'دوره را به صورت ۱۴۰۵-۰۷ (ماه)، ۱۴۰۵-Q2 (فصل) یا ۱۴۰۵ (سال) وارد کنید.')),
  kind: z.preprocess(str, z.enum(ANNOUNCEMENT_KINDS, { error: 'نوع انتشار را برگزینید.' })),
  date: z.unknown(),
  time: z.unknown(),
}).transform((v, ctx) => {
  const at = instant.safeParse({ date: v.date, time: v.time });
  if (!at.success) { for (const i of at.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message }); return z.NEVER; }
  if (v.kind === 'index' && !isPeriod(v.period)) { ctx.addIssue({ code: 'custom', path: ['period'], message: 'شاخص تولید ماهانه منتشر می‌شود؛ یک ماه را وارد کنید.' }); return z.NEVER; }
  return { period: parseReferencePeriod(v.period)!.code, kind: v.kind as AnnouncementKind, releaseAt: at.data };
});

export const moveForm = z.object({
  date: z.unknown(),
  time: z.unknown(),
  reason: z.preprocess((v) => normalizeText(typeof v === 'string' ? v : ''), z.string().min(5, 'دلیل جابه‌جایی را بنویسید (دست‌کم ۵ نویسه).').max(500, 'دلیل حداکثر ۵۰۰ نویسه است.')),
}).transform((v, ctx) => {
  const at = instant.safeParse({ date: v.date, time: v.time });
  if (!at.success) { for (const i of at.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message }); return z.NEVER; }
  return { releaseAt: at.data, reason: v.reason };
});
