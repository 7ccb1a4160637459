import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { parseReferencePeriod, referencePeriodLabel } from '../stats/releases/period.ts';
import { periodLabel } from '../calendar.ts';
import { releasePublicFromSql, indexPublicationPublicFromSql, releaseVisibleSql, indexPublicationVisibleSql, type Viewer } from './embargo.ts';

// Issue 27 §1: the advance release calendar. The statistics office announces the instant of each
// release (period and kind) ahead; a moved date keeps its history with a reason; the punctuality
// report sets what was announced beside what happened. Releases are matched to announcements by the
// same rule as the embargo (announced_public_from): a release is public at the first instant
// announced for its slot after it was stored, or, late, when it was stored.

export const ANNOUNCEMENT_KINDS = ['preliminary', 'final', 'revision', 'index'] as const;
export type AnnouncementKind = (typeof ANNOUNCEMENT_KINDS)[number];

export interface AnnouncementRow {
  id: number;
  period: string;
  kind: AnnouncementKind;
  release_at: Date;
  first_release_at: Date;
  created_at: Date;
}

export interface MoveRow { id: number; announcement_id: number; from_at: Date; to_at: Date; reason: string; moved_at: Date }

/** The name of a slot in the calendar: «نهایی فصلی», «شاخص تولید», … */
export function slotLabel(period: string, kind: AnnouncementKind): string {
  if (kind === 'index') return 'شاخص تولید صنعت و معدن';
  const p = parseReferencePeriod(period);
  const span = p?.kind === 'quarter' ? 'فصلی' : p?.kind === 'year' ? 'سالانه' : 'ماهانه';
  if (kind === 'preliminary') return `آمار ${span} مقدماتی`;
  if (kind === 'revision') return `بازنگری زمان‌بندی‌شده آمار ${span}`;
  return `آمار ${span} نهایی`;
}

export function periodText(period: string): string {
  const p = parseReferencePeriod(period);
  return p ? (p.kind === 'month' ? periodLabel(period) : referencePeriodLabel(p)) : period;
}

export async function announcements(range: { from?: Date; to?: Date } = {}, k: Knex = db()): Promise<AnnouncementRow[]> {
  const q = k('release_announcements').orderBy([{ column: 'release_at' }, { column: 'id' }]);
  if (range.from) q.where('release_at', '>=', range.from);
  if (range.to) q.where('release_at', '<', range.to);
  return (await q.limit(2000)) as AnnouncementRow[];
}

export async function movesOf(ids: readonly number[], k: Knex = db()): Promise<Map<number, MoveRow[]>> {
  const out = new Map<number, MoveRow[]>();
  if (!ids.length) return out;
  const rows = (await k('release_announcement_moves').whereIn('announcement_id', [...ids]).orderBy('id')) as MoveRow[];
  for (const r of rows) out.set(r.announcement_id, [...(out.get(r.announcement_id) ?? []), r]);
  return out;
}

export type CalendarChange = { ok: true; announcement: AnnouncementRow } | { ok: false; errors: Record<string, string> };

/** Announces a release; an announcement is made ahead, and one slot is announced once per instant. */
export async function announce(input: { period: string; kind: AnnouncementKind; releaseAt: Date }, userId: number | null, now = new Date(), k: Knex = db()): Promise<CalendarChange> {
  if (input.releaseAt <= now) return { ok: false, errors: { release_at: 'زمان انتشار باید در آینده باشد؛ تقویم انتشار پیش از انتشار اعلام می‌شود.' } };
  return k.transaction(async (trx): Promise<CalendarChange> => {
    const same = await trx('release_announcements').where({ period: input.period, kind: input.kind, release_at: input.releaseAt }).first('id');
    if (same) return { ok: false as const, errors: { release_at: 'همین انتشار در همین زمان پیش‌تر اعلام شده است.' } };
    if (input.kind !== 'revision') {
      // One announcement per slot that is not a revision: a second date is a move, with its reason.
      const other = await trx('release_announcements').where({ period: input.period, kind: input.kind }).first('id');
      if (other) return { ok: false as const, errors: { period: 'این انتشار پیش‌تر اعلام شده است؛ برای تغییر زمان آن «جابه‌جایی» را با ذکر دلیل به کار ببرید.' } };
    }
    const [row] = (await trx('release_announcements').insert({ period: input.period, kind: input.kind, release_at: input.releaseAt, first_release_at: input.releaseAt, created_by: userId }).returning('*')) as AnnouncementRow[];
    await audit({ action: 'stats.calendar_announce', userId, target: `announcement:${row.id}`, details: { period: row.period, kind: row.kind, release_at: input.releaseAt.toISOString() } }, trx);
    return { ok: true as const, announcement: row };
  });
}

/**
 * Moves an announced date, keeping the old one and the reason. A date already passed is history
 * (a release may already be public by it), so it never moves; nor does a date move into the past.
 */
export async function moveAnnouncement(id: number, to: Date, reason: string, userId: number | null, now = new Date(), k: Knex = db()): Promise<CalendarChange | null> {
  return k.transaction(async (trx): Promise<CalendarChange | null> => {
    const a = (await trx('release_announcements').where({ id }).forUpdate().first()) as AnnouncementRow | undefined;
    if (!a) return null;
    if (a.release_at <= now) return { ok: false as const, errors: { release_at: 'زمان اعلام‌شده این انتشار گذشته است و دیگر جابه‌جا نمی‌شود.' } };
    if (to <= now) return { ok: false as const, errors: { release_at: 'زمان تازه باید در آینده باشد.' } };
    if (to.getTime() === new Date(a.release_at).getTime()) return { ok: false as const, errors: { release_at: 'زمان تازه با زمان کنونی یکی است.' } };
    await trx('release_announcement_moves').insert({ announcement_id: id, from_at: a.release_at, to_at: to, reason, moved_by: userId });
    const [row] = (await trx('release_announcements').where({ id }).update({ release_at: to }).returning('*')) as AnnouncementRow[];
    await audit({ action: 'stats.calendar_move', userId, target: `announcement:${id}`, details: { from: new Date(a.release_at).toISOString(), to: to.toISOString(), reason } }, trx);
    return { ok: true as const, announcement: row };
  });
}

/** A stored release (of the tables or of the index) as the calendar sees it. */
export interface PublishedRelease {
  source: 'release' | 'index';
  id: number;
  period: string;
  kind: AnnouncementKind;
  revision: number;
  stored_at: Date;
  public_from: Date;
}

/** Every release the viewer may see, with the instant it is (or was) public from. */
export async function publishedReleases(viewer: Viewer, k: Knex = db()): Promise<PublishedRelease[]> {
  const { rows } = (await k.raw(
    `select 'release' as source, r.id, r.period, release_slot(r.preliminary, r.revision) as kind, r.revision, r.created_at as stored_at, ${releasePublicFromSql('r')} as public_from
       from releases r where ${releaseVisibleSql(viewer, 'r')}
     union all
     select 'index', i.id, i.period, 'index', (select count(*) from index_publications i2 where i2.period = i.period and i2.id <= i.id)::int, i.published_at, ${indexPublicationPublicFromSql('i')}
       from index_publications i where ${indexPublicationVisibleSql(viewer, 'i')}
     order by public_from, id`,
  )) as { rows: PublishedRelease[] };
  return rows.map((r) => ({ ...r, stored_at: new Date(r.stored_at), public_from: new Date(r.public_from), revision: Number(r.revision) }));
}

export interface PunctualityRow {
  announcement: AnnouncementRow | null; // null: a release nobody announced
  release: PublishedRelease | null; // null: not out yet
  moves: MoveRow[];
  /** Seconds from the instant announced now to the instant it was public (positive: late). */
  delaySeconds: number | null;
  /** Seconds from the instant first announced to the instant it was public. */
  delayFromFirstSeconds: number | null;
  onTime: boolean | null;
}

/**
 * The punctuality report: each announcement beside the release that answered it, and each
 * release nobody announced. An announcement is answered by the first release of its slot that is
 * public at or after it and before the slot's next announcement.
 */
export function punctuality(list: readonly AnnouncementRow[], releases: readonly PublishedRelease[], moves: Map<number, MoveRow[]>, now = new Date()): PunctualityRow[] {
  const used = new Set<string>();
  const out: PunctualityRow[] = [];
  const slots = new Map<string, AnnouncementRow[]>();
  for (const a of list) slots.set(`${a.period}|${a.kind}`, [...(slots.get(`${a.period}|${a.kind}`) ?? []), a]);
  for (const [key, group] of slots) {
    const sorted = [...group].sort((a, b) => +new Date(a.release_at) - +new Date(b.release_at));
    const candidates = releases.filter((r) => `${r.period}|${r.kind}` === key).sort((a, b) => +a.public_from - +b.public_from);
    sorted.forEach((a, i) => {
      const at = +new Date(a.release_at);
      const next = sorted[i + 1] ? +new Date(sorted[i + 1].release_at) : Infinity;
      const r = candidates.find((c) => !used.has(`${c.source}:${c.id}`) && +c.public_from >= at && +c.public_from < next) ?? null;
      if (r) used.add(`${r.source}:${r.id}`);
      const delay = r ? Math.round((+r.public_from - at) / 1000) : at < +now ? Math.round((+now - at) / 1000) : null;
      out.push({
        announcement: a, release: r, moves: moves.get(a.id) ?? [],
        delaySeconds: delay,
        delayFromFirstSeconds: r ? Math.round((+r.public_from - +new Date(a.first_release_at)) / 1000) : null,
        onTime: r ? +r.public_from === at : at < +now ? false : null,
      });
    });
  }
  for (const r of releases) {
    if (!used.has(`${r.source}:${r.id}`)) out.push({ announcement: null, release: r, moves: [], delaySeconds: null, delayFromFirstSeconds: null, onTime: null });
  }
  const when = (p: PunctualityRow) => +(p.announcement ? new Date(p.announcement.release_at) : p.release!.public_from);
  return out.sort((a, b) => when(a) - when(b));
}
