import type { Knex } from 'knex';
import { db } from '../db.ts';
import { faFixed } from '../numbers.ts';
import { addMonths, startOfPeriod } from '../calendar.ts';
import { obligatedFor } from '../eligibility/record.ts';
import { parseReferencePeriod } from '../stats/releases/period.ts';
import type { ProtectionReport } from '../stats/releases/types.ts';
import type { IndexReport } from '../production-index/compute.ts';
import { releasePublicFromSql, releaseVisibleSql, indexPublicationPublicFromSql, indexPublicationVisibleSql, type Viewer } from './embargo.ts';
import { announcements, movesOf, publishedReleases, punctuality, periodText } from './calendar.ts';
import { levelRevisions, growthRevisions, type RevisionStats, type Vintage } from './revisions.ts';

// Issue 27 §3–5: one metadata page per kind of release, in the shape of Eurostat's SIMS, with its
// measurable fields computed from what is published (never from a release under embargo, unless
// the statistics office is reading): response rate, share suppressed, share imputed (index),
// timeliness, punctuality, MR and MAR across vintages, and the vintages of the national total.

export const METADATA_KINDS = ['month', 'quarter', 'year', 'index'] as const;
export type MetadataKind = (typeof METADATA_KINDS)[number];
export const METADATA_TITLES: Record<MetadataKind, string> = {
  month: 'آمار ماهانه تولید صنعت و معدن', quarter: 'آمار فصلی تولید صنعت و معدن', year: 'آمار سالانه تولید صنعت و معدن', index: 'شاخص تولید صنعت و معدن',
};

export interface VintageRow { period: string; label: string; cells: { value: string | null; publishedAt: Date; preliminary: boolean; revision: number }[] }

export interface MetadataPage {
  kind: MetadataKind;
  title: string;
  latest: { period: string; label: string; publishedAt: Date; preliminary: boolean; revision: number } | null;
  responseRate: number | null; // contributing unit-months ÷ obligated unit-months of the latest release
  suppressedShare: number | null; // suppressed ÷ published cells of the latest release
  informationLoss: number | null;
  imputedShare: number | null; // index: imputed share of the total, latest month
  protection: string | null; // the latest release's protection report in plain Persian
  timelinessDays: number | null; // mean days from the end of the reference period to the first publication
  timelinessFinalDays: number | null; // … to the first final release
  punctuality: { announced: number; onTime: number; meanDelayDays: number | null };
  levels: RevisionStats | null; // national production value, % of the first estimate
  mom: RevisionStats | null; // index: month-on-month growth, points
  yoy: RevisionStats | null; // index: year-on-year growth, points
  vintages: VintageRow[];
  maxVintages: number;
}

interface StoredRelease { id: number; period: string; preliminary: boolean; revision: number; public_from: Date; report: ProtectionReport; total: string | null }

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const endOf = (period: string): Date => {
  const p = parseReferencePeriod(period)!;
  return startOfPeriod(addMonths(p.months[p.months.length - 1], 1));
};
const DAY = 86400_000;

/** The protection report of a release in plain Persian (DESIGN §7: never which rule, nor which cell). */
export function protectionText(r: ProtectionReport): string {
  const share = r.cells ? (r.suppressed / r.cells) * 100 : 0;
  const fa = (n: number, d = 0) => faFixed(n, d);
  const parts = [
    `از ${fa(r.cells)} خانه جدول هر سنجه، ${fa(r.suppressed)} خانه (${fa(share, 1)}٪) برای حفظ محرمانگی منتشر نشده و با «×» نشان داده شده است.`,
    `سهم ارزش تولیدِ پنهان در خانه‌های محرمانه درونی: ${fa(r.informationLoss * 100, 2)}٪.`,
    r.linked.length ? `این انتشار همراه با ${fa(r.linked.length)} انتشار پیشین که در ماه‌هایشان با آن مشترک‌اند یکجا حفاظت شده است، تا از کنار هم گذاشتن آن‌ها نیز رقمی محرمانه به دست نیاید.` : 'این انتشار با هیچ انتشار پیشینی ماه مشترک ندارد.',
    `پیش از ثبت، ${fa(r.audit.sensitive)} عبارت محرمانه با ${fa(r.audit.lps)} برنامه خطی از دید مهاجمی که همه ارقام منتشرشده و جمع‌پذیری جدول را می‌داند آزموده شد: ${r.audit.exact === 0 && r.audit.inside === 0 ? 'هیچ‌کدام دقیق یا در بازه حفاظت به دست نیامد.' : `${fa(r.audit.exact)} دقیق و ${fa(r.audit.inside)} در بازه حفاظت به دست آمد.`}`,
  ];
  return parts.join(' ');
}

async function releasesOf(kind: Exclude<MetadataKind, 'index'>, viewer: Viewer, k: Knex): Promise<StoredRelease[]> {
  const { rows } = (await k.raw(
    `select r.id, r.period, r.preliminary, r.revision, r.report, ${releasePublicFromSql('r')} as public_from,
            (select c.value::text from release_cells c where c.release_id = r.id and c.space = 'values' and c.measure = 'production_value' and c.geo = 'IR' and c.node = 'T') as total
       from releases r where r.kind = ? and ${releaseVisibleSql(viewer, 'r')}
      order by public_from, r.id`, [kind],
  )) as { rows: StoredRelease[] };
  return rows.map((r) => ({ ...r, public_from: new Date(r.public_from), report: typeof r.report === 'string' ? JSON.parse(r.report) : r.report }));
}

async function responseRate(release: StoredRelease, k: Knex): Promise<number | null> {
  const months = parseReferencePeriod(release.period)!.months;
  const { rows } = (await k.raw(
    `select (select count(*) from (select distinct unit_id, period from release_contributions where release_id = ?) x) as contributed,
            (select count(*) from units u join unnest(?::text[]) as m(p) on ${obligatedFor('m.p')}) as obligated`,
    [release.id, months],
  )) as { rows: { contributed: string; obligated: string }[] };
  const obligated = Number(rows[0].obligated);
  return obligated ? Math.min(1, Number(rows[0].contributed) / obligated) : null;
}

function timeliness<T extends { period: string; public_from: Date }>(list: readonly T[]): number | null {
  const first = new Map<string, Date>();
  for (const r of list) if (!first.has(r.period)) first.set(r.period, r.public_from);
  const recent = [...first.entries()].sort(([a], [b]) => (a < b ? 1 : -1)).slice(0, 12);
  return mean(recent.map(([period, at]) => (at.getTime() - endOf(period).getTime()) / DAY));
}

async function punctualityOf(kind: MetadataKind, viewer: Viewer, k: Knex): Promise<MetadataPage['punctuality']> {
  const list = (await announcements({}, k)).filter((a) => (kind === 'index' ? a.kind === 'index' : a.kind !== 'index' && parseReferencePeriod(a.period)?.kind === kind));
  const report = punctuality(list, await publishedReleases(viewer, k), await movesOf(list.map((a) => a.id), k)).filter((r) => r.announcement && r.onTime !== null);
  return {
    announced: report.length,
    onTime: report.filter((r) => r.onTime).length,
    meanDelayDays: mean(report.map((r) => Math.max(0, r.delaySeconds ?? 0) / 86400)),
  };
}

function vintageRows(list: readonly StoredRelease[]): { rows: VintageRow[]; max: number } {
  const by = new Map<string, StoredRelease[]>();
  for (const r of list) by.set(r.period, [...(by.get(r.period) ?? []), r]);
  const periods = [...by.keys()].sort().reverse().slice(0, 12);
  const rows = periods.map((period) => ({
    period, label: periodText(period),
    cells: by.get(period)!.map((r) => ({ value: r.total, publishedAt: r.public_from, preliminary: r.preliminary, revision: r.revision })),
  }));
  return { rows, max: Math.max(0, ...rows.map((r) => r.cells.length)) };
}

export async function metadataPage(kind: MetadataKind, viewer: Viewer, k: Knex = db()): Promise<MetadataPage> {
  const base = { kind, title: METADATA_TITLES[kind], punctuality: await punctualityOf(kind, viewer, k) };
  if (kind === 'index') return { ...base, ...(await indexFields(viewer, k)) };
  const list = await releasesOf(kind, viewer, k);
  const latest = list.at(-1) ?? null;
  const series = new Map<string, Vintage[]>();
  for (const r of list) if (r.total !== null) series.set(r.period, [...(series.get(r.period) ?? []), { publishedAt: r.public_from, value: Number(r.total) }]);
  const { rows, max } = vintageRows(list);
  return {
    ...base,
    latest: latest ? { period: latest.period, label: periodText(latest.period), publishedAt: latest.public_from, preliminary: latest.preliminary, revision: latest.revision } : null,
    responseRate: latest ? await responseRate(latest, k) : null,
    suppressedShare: latest && latest.report.cells ? latest.report.suppressed / latest.report.cells : null,
    informationLoss: latest ? latest.report.informationLoss : null,
    imputedShare: null,
    protection: latest ? protectionText(latest.report) : null,
    timelinessDays: timeliness(list),
    timelinessFinalDays: timeliness(list.filter((r) => !r.preliminary)),
    levels: levelRevisions(series),
    mom: null, yoy: null,
    vintages: rows, maxVintages: max,
  };
}

async function indexFields(viewer: Viewer, k: Knex): Promise<Omit<MetadataPage, 'kind' | 'title' | 'punctuality'>> {
  const { rows } = (await k.raw(
    `select i.id, i.period, ${indexPublicationPublicFromSql('i')} as public_from, c.report,
            (select case when x.suppressed then null else x.value::text end from index_cells x where x.computation_id = i.computation_id and x.node = 'T') as total,
            (select case when x.suppressed then null else x.imputed_share end from index_cells x where x.computation_id = i.computation_id and x.node = 'T') as imputed
       from index_publications i join index_computations c on c.id = i.computation_id
      where ${indexPublicationVisibleSql(viewer, 'i')}
      order by public_from, i.id`,
  )) as { rows: { id: number; period: string; public_from: Date; report: IndexReport | string; total: string | null; imputed: number | null }[] };
  const list = rows.map((r) => ({ ...r, public_from: new Date(r.public_from), report: (typeof r.report === 'string' ? JSON.parse(r.report) : r.report) as IndexReport }));
  const latest = [...list].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : +a.public_from - +b.public_from)).at(-1) ?? null;
  const series = new Map<string, Vintage[]>();
  for (const r of list) if (r.total !== null) series.set(r.period, [...(series.get(r.period) ?? []), { publishedAt: r.public_from, value: Number(r.total) }]);
  const by = new Map<string, typeof list>();
  for (const r of list) by.set(r.period, [...(by.get(r.period) ?? []), r]);
  const vintages = [...by.keys()].sort().reverse().slice(0, 12).map((period) => ({
    period, label: periodText(period),
    cells: by.get(period)!.map((r, i) => ({ value: r.total, publishedAt: r.public_from, preliminary: false, revision: i + 1 })),
  }));
  const respondents = latest ? latest.report.respondents : 0;
  const panel = latest ? latest.report.respondents + latest.report.imputedUnits : 0;
  return {
    latest: latest ? { period: latest.period, label: periodText(latest.period), publishedAt: latest.public_from, preliminary: false, revision: by.get(latest.period)!.indexOf(latest) + 1 } : null,
    responseRate: panel ? respondents / panel : null,
    suppressedShare: null,
    informationLoss: null,
    imputedShare: latest?.imputed ?? null,
    protection: null,
    timelinessDays: timeliness(list),
    timelinessFinalDays: null,
    levels: null,
    mom: growthRevisions(series, (p) => addMonths(p, -1)),
    yoy: growthRevisions(series, (p) => addMonths(p, -12)),
    vintages, maxVintages: Math.max(0, ...vintages.map((v) => v.cells.length)),
  };
}
