import type { Knex } from 'knex';
import { db } from '../db.ts';
import { addMonths, periodOfParts, periodRange, splitPeriod, type Period } from '../calendar.ts';
import { csvText, type CsvValue } from '../export.ts';
import { simpleXlsx } from '../stats/export.ts';
import { lineChartSvg } from '../stats/chart.ts';
import { SUPPRESSED_FLAG, LEGEND } from '../stats/releases/view.ts';
import { periodLabel } from '../calendar.ts';
import { fa, faFixed } from '../numbers.ts';
import { ISIC_LEVEL_LABELS } from '../glossary.ts';
import { publishedCells, latestPublication, valueAddedPublished, computationsOf, publishedCellsOf, levelsDownTo, publishedAdjusted, type PublishedCell, type AdjustedPoint, type PublishedAdjustment } from './model.ts';
import { visibleIndexPublication, PUBLIC, type Viewer } from '../dissemination/embargo.ts';
import type { IndexLevel, IndexReport } from './compute.ts';
import { fixedBaseContribution } from './chain.ts';

// The «شاخص تولید» page and its files: published figures only (index_published), the last 24
// months by section and division, changes over the month and the year from the published values
// themselves, and the revision triangle of one month.

export const MONTHS_SHOWN = 24;
export const TOTAL_LABEL = 'کل صنعت و معدن';

export interface IndexRow {
  node: string;
  level: IndexLevel;
  title: string;
  cells: (PublishedCell | null)[]; // one per month shown; null = not published
  adjusted: (AdjustedPoint | null)[]; // issue 25: CA and SA of the latest publication, one per month shown
  contributions: (number | null)[]; // issue 25: contribution to the nation's growth from the month before, one per month shown
  latest: { value: number | null; mom: number | null; yoy: number | null; imputed: number | null; weight: number | null; suppressed: boolean; ca: number | null; sa: number | null; saMom: number | null; contribution: number | null } | null;
}

/** The published computation's report as published: the uncovered classes' share only when their value added is published (null otherwise). */
export type PublishedReport = Omit<IndexReport, 'uncoveredShare'> & { uncoveredShare: number | null };

export interface IndexTable { periods: Period[]; rows: IndexRow[]; last: Period; report: PublishedReport | null; published: boolean; models: Map<string, PublishedAdjustment['model']> }

async function titles(nodes: readonly string[], k: Knex): Promise<Map<string, string>> {
  const rows: { code: string; title_fa: string }[] = await k('isic_codes').whereIn('code', [...nodes]).select('code', 'title_fa');
  const out = new Map(rows.map((r) => [r.code, r.title_fa]));
  out.set('T', TOTAL_LABEL);
  return out;
}

type Published = ReadonlyMap<string, PublishedCell>;
const shown = (at: Published, period: Period, node: string) => { const c = at.get(`${period}|${node}`); return c !== undefined && c.value !== null; };

/**
 * A node's contribution to the nation's growth from the previous month, as published: made from
 * the stored levels of the month and the previous month's published figures (model.ts,
 * linking.ts), shown only when everything it is made of is published — the node's weight share (index_published), the node and the nation in the previous
 * month, and, for months linked to a year after the base year, in every month of the years whose
 * annual means link them (else it would give away a hidden month through those means). A
 * computation from before chain-linking stored none: its fixed-base contribution is made from
 * published values and the weight share only.
 */
function contributionOf(period: Period, node: string, at: Published): number | null {
  const now = at.get(`${period}|${node}`);
  const previous = addMonths(period, -1);
  if (now?.value == null || now.weight_share == null || !shown(at, previous, node) || !shown(at, previous, 'T')) return null;
  if (now.weight_year === null) {
    const before = at.get(`${previous}|${node}`)!;
    const totalBefore = at.get(`${previous}|T`)!;
    return totalBefore.value ? fixedBaseContribution(now.weight_share, now.value, before.value!, totalBefore.value) : null;
  }
  // The years whose annual means link t and t − 1: a product base year is 100 by definition (no
  // mean of stored values) unless months of it were published on an earlier product base, to
  // whose means over it the new base is linked.
  const totalBefore = at.get(`${previous}|T`)!;
  const earlierBase = (y: number) => Array.from({ length: 12 }, (_, i) => at.get(`${periodOfParts(y, i + 1)}|T`)).some((c) => c !== undefined && c.base_year < y);
  const years = new Set([[now.weight_year, now.base_year], [totalBefore.weight_year ?? totalBefore.base_year, totalBefore.base_year]]
    .filter(([y, base]) => y !== base || earlierBase(y)).map(([y]) => y));
  for (const y of years) {
    for (let m = 1; m <= 12; m++) if (!shown(at, periodOfParts(y, m), node) || !shown(at, periodOfParts(y, m), 'T')) return null;
  }
  return now.contribution;
}

/** Changes from published values only: both ends published and not suppressed. */
const change = (now: number | null | undefined, before: number | null | undefined): number | null => (now == null || before == null || before === 0 ? null : now / before - 1);

/** The index by total, section and division (or deeper) for the months ending at `last`. */
export async function indexTable(last: Period, deepest: IndexLevel = 'division', months = MONTHS_SHOWN, k: Knex = db()): Promise<IndexTable> {
  const periods = periodRange(addMonths(last, -(months - 1)), last);
  // The months shown, the month before, the year before each (changes over the year), and the
  // years that link them (contributions: every month of the two years before the first one shown).
  const linkFrom = periodOfParts(splitPeriod(periods[0]).jy - 2, 1);
  const wanted = [...new Set([...periodRange(linkFrom, last), ...periods])];
  const cells = await publishedCells(wanted, levelsDownTo(deepest), k);
  const at = new Map(cells.map((c) => [`${c.period}|${c.node}`, c]));
  const nodes = [...new Set(cells.filter((c) => periods.includes(c.period)).map((c) => c.node))].sort(nodeOrder);
  const names = await titles(nodes, k);
  const adjusted = await publishedAdjusted(last, k);
  const rows = nodes.map((node) => {
    const own = periods.map((p) => at.get(`${p}|${node}`) ?? null);
    const now = at.get(`${last}|${node}`);
    const adj = adjusted.get(node)?.points;
    const sa = adj?.get(last)?.sa ?? null;
    return {
      node,
      level: (own.find((c) => c)?.level ?? 'division') as IndexLevel,
      title: names.get(node) ?? node,
      cells: own,
      adjusted: periods.map((p) => adj?.get(p) ?? null),
      contributions: periods.map((p) => contributionOf(p, node, at)),
      latest: now ? {
        value: now.value, imputed: now.imputed_share, weight: now.weight_share, suppressed: now.suppressed,
        mom: change(now.value, at.get(`${addMonths(last, -1)}|${node}`)?.value), yoy: change(now.value, at.get(`${addMonths(last, -12)}|${node}`)?.value),
        ca: adj?.get(last)?.ca ?? null, sa, saMom: change(sa, adj?.get(addMonths(last, -1))?.sa),
        contribution: contributionOf(last, node, at),
      } : null,
    };
  });
  const publication = await latestPublication(last, k);
  const models = new Map([...adjusted].map(([node, a]) => [node, a.model]));
  return { periods, rows, last, report: publication ? await publishedReport(publication, k) : null, published: Boolean(publication), models };
}

async function publishedReport(publication: { base_year: number; report: IndexReport }, k: Knex): Promise<PublishedReport> {
  const r = publication.report;
  // The uncovered classes' share is of the weight year's value added (chain-linking), the base year's before it.
  return { ...r, uncoveredShare: (await valueAddedPublished(r.weightYear ?? publication.base_year, r.uncovered, k)) ? r.uncoveredShare : null };
}

/** Total first, then each section followed by its divisions (and deeper codes under them). */
function nodeOrder(a: string, b: string): number {
  const key = (n: string) => (n === 'T' ? '0' : n === 'B' ? '1' : n === 'C' ? '3' : `${Number(n.slice(0, 2)) < 10 ? '2' : '4'}${n}`);
  return key(a).localeCompare(key(b));
}

/** The latest month with a published index, if any. */
export async function lastPublishedPeriod(k: Knex = db()): Promise<Period | null> {
  const row = await k('index_publications').where(visibleIndexPublication(PUBLIC)).max('period as p').first();
  return (row?.p as Period | null) ?? null;
}

export const faIndex = (v: number | null | undefined): string => (v == null ? '—' : faFixed(v, 1));
export const faChange = (v: number | null | undefined): string => (v == null ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : ''}${faFixed(Math.abs(v * 100), 1)}٪`);

/** The nation's index: raw (NSA), calendar adjusted (CA) and seasonally adjusted (SA); the sections' raw index when no adjusted series is published yet. */
export function indexChartSvg(table: IndexTable): string {
  const total = table.rows.find((r) => r.node === 'T');
  const adjusted = Boolean(total?.adjusted.some((a) => a));
  const series = adjusted && total
    ? [
      { label: 'خام', color: '#6c757d', dash: '2 3', values: table.periods.map((_, i) => total.cells[i]?.value ?? null) },
      { label: 'تعدیل تقویمی', color: '#b35c00', dash: '6 4', values: total.adjusted.map((a) => a?.ca ?? null) },
      { label: 'فصلی‌زدایی‌شده', color: '#0d6efd', dash: '', values: total.adjusted.map((a) => a?.sa ?? null) },
    ]
    : [
      { node: 'T', label: TOTAL_LABEL, color: '#0d6efd', dash: '' },
      { node: 'B', label: 'استخراج معدن', color: '#b35c00', dash: '6 4' },
      { node: 'C', label: 'صنعت (ساخت)', color: '#198754', dash: '2 3' },
    ].map((s) => {
      const row = table.rows.find((r) => r.node === s.node);
      return { label: s.label, color: s.color, dash: s.dash, values: table.periods.map((_, i) => row?.cells[i]?.value ?? null) };
    });
  const values = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  const lo = Math.floor(Math.min(80, ...values) / 10) * 10;
  const hi = Math.ceil(Math.max(120, ...values) / 10) * 10;
  const step = Math.max(10, Math.ceil((hi - lo) / 40) * 10);
  const ticks: number[] = [];
  for (let v = lo; v <= hi; v += step) ticks.push(v);
  const what = adjusted ? `${TOTAL_LABEL}: خام، تعدیل تقویمی و فصلی‌زدایی‌شده` : 'شاخص تولید صنعت و معدن';
  return lineChartSvg(table.periods, series, `${what} (سال پایه = ۱۰۰)، ${fa(MONTHS_SHOWN)} ماه تا ${periodLabel(table.last)}`, { id: 'index', min: lo, max: hi, ticks, format: faIndex });
}

export interface TriangleRow { id: number; computed_at: Date; cut_off: Date; first: boolean; published: boolean; values: Map<string, { value: number | null; imputed_share: number | null; suppressed: boolean }> }

export const TRIANGLE_NODES = ['T', 'B', 'C'] as const;

/** Every computation of `period`, oldest first; values only of published ones. */
export async function revisionTriangle(period: Period, k: Knex = db(), viewer: Viewer = PUBLIC): Promise<TriangleRow[]> {
  const list = await computationsOf(period, k, viewer);
  const values = await publishedCellsOf(list.filter((c) => c.publication_id !== null).map((c) => c.id), TRIANGLE_NODES, k, viewer);
  return list.map((c) => ({ id: c.id, computed_at: c.computed_at, cut_off: c.cut_off, first: c.first, published: c.publication_id !== null, values: values.get(c.id) ?? new Map() }));
}

const HEADER = ['ماه', 'کد', 'عنوان', 'سطح', 'شاخص (سال پایه = ۱۰۰)', 'تغییر نسبت به ماه قبل (٪)', 'تغییر نسبت به ماه مشابه سال قبل (٪)', 'سهم جانهی (٪)', 'سهم وزن (٪)', 'محرمانه', 'شاخص تعدیل تقویمی', 'شاخص فصلی‌زدایی‌شده', 'تغییر فصلی‌زدایی‌شده نسبت به ماه قبل (٪)', 'سهم در رشد ماهانه کل (واحد درصد)'];

const pct = (v: number | null | undefined) => (v == null ? null : Math.round(v * 10_000) / 100);

function fileRows(t: IndexTable): CsvValue[][] {
  const lines: CsvValue[][] = [];
  for (const r of t.rows) {
    t.periods.forEach((p, i) => {
      const c = r.cells[i];
      if (!c) return;
      const prev = i > 0 ? r.cells[i - 1]?.value : null;
      const a = c.suppressed ? null : r.adjusted[i];
      const prevSa = i > 0 ? r.adjusted[i - 1]?.sa : null;
      lines.push([p, r.node, r.title, r.node === 'T' ? 'کل' : ISIC_LEVEL_LABELS[r.level as keyof typeof ISIC_LEVEL_LABELS], c.value, pct(change(c.value, prev)), p === t.last ? pct(r.latest?.yoy) : null, pct(c.imputed_share), pct(c.weight_share), c.suppressed ? SUPPRESSED_FLAG : '', a?.ca ?? null, a?.sa ?? null, a ? pct(change(a.sa, prevSa)) : null, pct(r.contributions[i])]);
    });
  }
  return lines;
}

export const indexCsv = (t: IndexTable): string => csvText([HEADER, ...fileRows(t)]);

export const indexXlsx = (t: IndexTable): Promise<Buffer> =>
  simpleXlsx('شاخص تولید', `شاخص تولید صنعت و معدن — ${fa(MONTHS_SHOWN)} ماه تا ${periodLabel(t.last)}`, HEADER, fileRows(t), LEGEND);

/** The API's answer: one month's published cells down to a level. */
export async function indexJson(period: Period, deepest: IndexLevel, k: Knex = db()): Promise<unknown | null> {
  const publication = await latestPublication(period, k);
  if (!publication) return null;
  const t = await indexTable(period, deepest, 1, k);
  return {
    period,
    publication: { id: publication.id, published_at: new Date(publication.published_at).toISOString(), cut_off: new Date(publication.cut_off).toISOString() },
    base: 100,
    cells: t.rows.map((r) => ({
      node: r.node, level: r.node === 'T' ? 'total' : r.level, title: r.title,
      value: r.latest?.value ?? null, suppressed: r.latest?.suppressed ?? false,
      imputed_share: r.latest?.imputed ?? null, weight_share: r.latest?.weight ?? null,
      change_month: r.latest?.mom ?? null, change_year: r.latest?.yoy ?? null,
      calendar_adjusted: r.latest?.suppressed ? null : r.latest?.ca ?? null, seasonally_adjusted: r.latest?.suppressed ? null : r.latest?.sa ?? null,
      change_month_sa: r.latest?.suppressed ? null : r.latest?.saMom ?? null,
      contribution: r.latest?.contribution ?? null,
    })),
    not_covered: { classes: publication.report.uncovered, weight_share: (await publishedReport(publication, k)).uncoveredShare },
  };
}
