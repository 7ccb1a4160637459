import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { persianDigits } from '../../text.ts';
import { VIEW_DIMENSION_LABELS, VIEW_MEASURE_LABELS, type ViewDimension, type ViewQuery } from '../forms.ts';
import { referencePeriodLabel } from './period.ts';
import type { ReleaseMeasure, ReleaseRow } from './types.ts';
import { NATIONAL, ALL_ACTIVITIES as ALL_INDUSTRY } from './cube.ts';
import { visibleRelease, PUBLIC, type Viewer } from '../../dissemination/embargo.ts';
import type { CellSpace } from './store.ts';

// DESIGN §7 "releases, not queries": every table the statistics office sees or downloads is a
// slice of the cells of a stored release, read as they were stored — one reader (releaseSlice) and
// one grid (cellGrid) for the values here and the products (products-view.ts). Nothing here adds, derives or
// protects a figure: the release's cube already has every total, and its suppressions.

export { NATIONAL, ALL_INDUSTRY };
/** The column key of a table without a column dimension. */
export const VALUE_KEY = 'value';

export interface ViewRequest {
  period: string; // a code of the grid: 1404-01, 1404-Q1, 1404
  preliminary: boolean;
  rows: ViewDimension;
  cols: ViewDimension | null;
  measure: ReleaseMeasure;
}

export interface ViewHeader { key: string; label: string; total: boolean }

export interface ViewCell {
  row: string;
  col: string;
  value: string | null; // an exact integer as text; null when suppressed or empty
  suppressed: boolean;
  empty: boolean; // no such cell in the release: no unit there
}

export interface ReleaseView {
  query: ViewRequest;
  release: ReleaseRow;
  rowsLabel: string;
  colsLabel: string | null;
  measureLabel: string;
  rows: ViewHeader[]; // the total (national, or all industry and mining) last
  cols: ViewHeader[];
  cells: ViewCell[][];
}

/** ISIC code length of each level; a section is one letter ('T', all industry and mining, is not a section). */
const ISIC_LENGTH: Record<Exclude<ViewDimension, 'province'>, number> = { isic_section: 1, isic_division: 2, isic_group: 3, isic_class: 4 };
const ISIC_LEVEL: Record<Exclude<ViewDimension, 'province'>, string> = { isic_section: 'section', isic_division: 'division', isic_group: 'group', isic_class: 'class' };

/** The latest release of a period the viewer may see (issue 27, embargo): the highest revision, preliminary or final as asked. */
export async function latestRelease(period: string, preliminary: boolean, k: Knex = db(), viewer: Viewer = PUBLIC): Promise<ReleaseRow | null> {
  const row = await k('releases').where({ period, preliminary }).where(visibleRelease(viewer)).orderBy('revision', 'desc').first();
  return (row as ReleaseRow | undefined) ?? null;
}

/** A stored cell as a table reads it: value null ⇔ suppressed (a check of release_cells). */
export interface SliceCell { geo: string; node: string; measure: string; value: string | null }

export interface ReleaseSlice { cells: SliceCell[]; provinces: Record<string, string>; isic: Record<string, string>; uoms: Record<string, string> }

/**
 * The cells of one space of a stored release that `where` keeps (SQL over alias `c`), and the names
 * the table's axes need, in one statement: a range of the primary key (release_id, space, measure,
 * geo, node). The cells come back as one JSON array rather than a row each: PGlite's per-row cost
 * was most of a class-level view's time (4,700 cells), and values stay exact text.
 */
export async function releaseSlice(releaseId: number, space: CellSpace, where: { sql: string; bindings: readonly (string | number)[] }, names: { provinces?: boolean; isicLevel?: string | null; uoms?: boolean }, k: Knex): Promise<ReleaseSlice> {
  const res = await k.raw(
    `select (select coalesce(json_agg(json_build_array(c.geo, c.node, c.measure, c.value::text)), '[]')
               from release_cells c where c.release_id = ? and c.space = ? and ${where.sql}) as cells,
            ${names.provinces ? '(select json_object_agg(code, name) from provinces)' : 'null'} as provinces,
            ${names.isicLevel ? '(select json_object_agg(code, title_fa) from isic_codes where level = ?)' : 'null'} as isic,
            ${names.uoms ? '(select json_object_agg(code, name_fa) from units_of_measure)' : 'null'} as uoms`,
    [releaseId, space, ...where.bindings, ...(names.isicLevel ? [names.isicLevel] : [])],
  );
  const row = res.rows[0] as Record<string, unknown>;
  const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  return {
    cells: json<[string, string, string, string | null][]>(row.cells).map(([geo, node, measure, value]) => ({ geo, node, measure, value })),
    provinces: json<Record<string, string> | null>(row.provinces) ?? {},
    isic: json<Record<string, string> | null>(row.isic) ?? {},
    uoms: json<Record<string, string> | null>(row.uoms) ?? {},
  };
}

/** The table `rows` × `cols` of a release, from its cells by `row|col` key: a key not found is an empty cell (no unit there). */
export function cellGrid(rows: readonly { key: string }[], cols: readonly ViewHeader[], at: ReadonlyMap<string, string | null>): ViewCell[][] {
  return rows.map((r) => cols.map((c): ViewCell => {
    const key = `${r.key}|${c.key}`;
    if (!at.has(key)) return { row: r.key, col: c.key, value: null, suppressed: false, empty: true };
    const value = at.get(key) ?? null;
    return { row: r.key, col: c.key, value, suppressed: value === null, empty: false };
  }));
}

/** The view of the latest release of `q.period`, or null when the period has none. */
export async function releaseView(q: ViewRequest, k: Knex = db(), viewer: Viewer = PUBLIC): Promise<ReleaseView | null> {
  const release = await latestRelease(q.period, q.preliminary, k, viewer);
  if (!release) return null;
  const dims = [q.rows, q.cols];
  const isicDim = dims.find((d): d is Exclude<ViewDimension, 'province'> => d !== null && d !== 'province');
  const byGeo = dims.includes('province');
  const where = `c.measure = ? ${byGeo ? '' : `and c.geo = '${NATIONAL}'`}
    and ${isicDim ? `(c.node = '${ALL_INDUSTRY}' or (length(c.node) = ${ISIC_LENGTH[isicDim]} and c.node <> '${ALL_INDUSTRY}'))` : `c.node = '${ALL_INDUSTRY}'`}`;
  const slice = await releaseSlice(release.id, 'values', { sql: where, bindings: [q.measure] }, { provinces: byGeo, isicLevel: isicDim ? ISIC_LEVEL[isicDim] : null }, k);
  const found = slice.cells;
  const provinceNames = slice.provinces;
  const isicTitles = slice.isic;

  const axisOf = (d: ViewDimension | null) => (d === null ? null : d === 'province' ? 'geo' : 'node');
  const keyOf = (d: ViewDimension | null, c: SliceCell) => { const a = axisOf(d); return a === null ? VALUE_KEY : c[a]; };
  const headers = (d: ViewDimension | null): ViewHeader[] => {
    if (d === null) return [{ key: VALUE_KEY, label: VIEW_MEASURE_LABELS[q.measure], total: false }];
    const total = d === 'province' ? NATIONAL : ALL_INDUSTRY;
    const labels = new Map<string, string>();
    for (const c of found) {
      const key = keyOf(d, c);
      if (key === total || labels.has(key)) continue;
      labels.set(key, d === 'province' ? provinceNames[key] ?? key : isicTitles[key] ? `${persianDigits(key)} — ${isicTitles[key]}` : persianDigits(key));
    }
    const list = [...labels.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, label]) => ({ key, label, total: false }));
    list.push({ key: total, label: d === 'province' ? 'کل کشور' : 'کل صنعت و معدن', total: true });
    return list;
  };
  const rows = headers(q.rows);
  const cols = headers(q.cols);
  const cells = cellGrid(rows, cols, new Map(found.map((c) => [`${keyOf(q.rows, c)}|${keyOf(q.cols, c)}`, c.value])));
  return {
    query: q,
    release,
    rowsLabel: VIEW_DIMENSION_LABELS[q.rows],
    colsLabel: q.cols ? VIEW_DIMENSION_LABELS[q.cols] : null,
    measureLabel: VIEW_MEASURE_LABELS[q.measure],
    rows, cols, cells,
  };
}

export const SUPPRESSED_FLAG = '×';
export const LEGEND = '× : محرمانه — این رقم برای حفظ محرمانگی اطلاعات واحدها منتشر نمی‌شود. — : بدون داده (هیچ واحدی در این خانه نیست). شمار واحدها برای محرمانگی اندکی جابه‌جا شده است (هرگز کمتر از سه) و جمع‌پذیر نیست.';
/** The legend as the lines under a downloaded table: one sign or note a line. */
export const LEGEND_LINES: readonly string[] = LEGEND.split(/(?<=\.) (?=— :|شمار واحدها)/);

/** The 404 of a period without a release (page and API). */
export function noReleaseMessage(q: Pick<ViewQuery, 'period' | 'preliminary'>): string {
  return `برای ${referencePeriodLabel(q.period)} هنوز هیچ انتشار ${q.preliminary ? 'مقدماتی' : 'نهایی'} ثبت نشده است؛ جدول‌ها تنها از انتشارهای ثبت‌شده نمایش داده می‌شوند.`;
}

/** What the audit log keeps of a view served. */
export function viewDetails(q: ViewQuery, via: 'page' | 'api'): Record<string, unknown> {
  return { via, format: q.format, period: q.period.code, preliminary: q.preliminary, rows: q.rows, cols: q.cols, measure: q.measure };
}
