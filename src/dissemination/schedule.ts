import type { Knex } from 'knex';
import { db } from '../db.ts';
import { announcements, movesOf, publishedReleases, punctuality, slotLabel, periodText, type AnnouncementRow, type MoveRow, type PunctualityRow } from './calendar.ts';
import { icsCalendar, type IcsEvent } from './ics.ts';
import type { Viewer } from './embargo.ts';

// What the calendar page, its JSON and its iCalendar feed show: the announcements from a year
// back to a year ahead, their moves, and the punctuality of what was published. The same rows for
// every format; the public sees a release as out only once it is public.

export interface CalendarItem {
  announcement: AnnouncementRow;
  label: string;
  periodLabel: string;
  moves: MoveRow[];
  publishedAt: Date | null; // when the release answering it was (or, for the office, will be) public
}

export interface CalendarPage { items: CalendarItem[]; punctuality: PunctualityRow[] }

const YEAR = 366 * 86400_000;

export async function calendarPage(viewer: Viewer, now = new Date(), k: Knex = db()): Promise<CalendarPage> {
  const list = await announcements({ from: new Date(now.getTime() - YEAR), to: new Date(now.getTime() + YEAR) }, k);
  const moves = await movesOf(list.map((a) => a.id), k);
  const releases = await publishedReleases(viewer, k);
  const report = punctuality(list, releases, moves, now);
  const answered = new Map(report.filter((r) => r.announcement && r.release).map((r) => [r.announcement!.id, r.release!.public_from]));
  return {
    items: list.map((a) => ({ announcement: a, label: slotLabel(a.period, a.kind), periodLabel: periodText(a.period), moves: moves.get(a.id) ?? [], publishedAt: answered.get(a.id) ?? null })),
    punctuality: report,
  };
}

export function calendarJson(page: CalendarPage): unknown {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    time_zone: 'Asia/Tehran',
    announcements: page.items.map((i) => ({
      id: i.announcement.id,
      period: i.announcement.period,
      kind: i.announcement.kind,
      title: `${i.label} — ${i.periodLabel}`,
      release_at: iso(i.announcement.release_at),
      first_release_at: iso(i.announcement.first_release_at),
      moves: i.moves.map((m) => ({ from: iso(m.from_at), to: iso(m.to_at), reason: m.reason, moved_at: iso(m.moved_at) })),
      published_at: iso(i.publishedAt),
    })),
    punctuality: page.punctuality.filter((p) => p.release).map((p) => ({
      announcement: p.announcement?.id ?? null,
      source: p.release!.source,
      period: p.release!.period,
      kind: p.release!.kind,
      revision: p.release!.revision,
      announced_at: iso(p.announcement?.release_at ?? null),
      first_announced_at: iso(p.announcement?.first_release_at ?? null),
      published_at: iso(p.release!.public_from),
      delay_seconds: p.delaySeconds,
      on_time: p.onTime,
    })),
  };
}

export function calendarIcs(page: CalendarPage, publicUrl: string, stamp = new Date()): string {
  const host = new URL(publicUrl).host;
  const events: IcsEvent[] = page.items.map((i) => ({
    uid: `announcement-${i.announcement.id}@${host}`,
    start: new Date(i.announcement.release_at),
    minutes: 30,
    summary: `${i.label} — ${i.periodLabel}`,
    description: [`انتشار ${i.label} ${i.periodLabel}، وزارت صنعت، معدن و تجارت (دفتر آمار و فرآوری داده‌ها).`,
      ...i.moves.map((m) => `جابه‌جا شد: ${m.reason}`)].join('\n'),
    sequence: i.moves.length,
    url: `${publicUrl}/stats/calendar#announcement-${i.announcement.id}`,
  }));
  return icsCalendar('تقویم انتشار آمار تولید صنعت و معدن', events, stamp);
}
