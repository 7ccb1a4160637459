import { csvCode } from '../export.ts';
import type { ReleaseTable } from './table.ts';
import { releaseFilePrefix, releaseJson, releaseTitle } from './export.ts';
import { LEGEND_LINES, NATIONAL } from './releases/view.ts';
import { PRODUCT_GEO_LABELS, type ProductKind, type ProductView } from './releases/products-view.ts';
import { canonicalDecimal, exactJson } from '../numbers.ts';

// Downloads of a release's product table (issue 15), written by table.ts like every release
// table: each line carries the product's code (text: a code may start with 0) beside its kind, its
// Persian name and its unit of measure; quantities are exact decimals.

export const KIND_LABELS: Record<ProductKind, string> = { code: 'محصول', group: 'گروه کدها', other: 'سایر محصولات' };

export function productFilename(v: ProductView, ext: string): string {
  return `${releaseFilePrefix(v.release)}_products_${v.query.geo}${v.query.isic ? `_${v.query.isic}` : ''}.${ext}`;
}

const productHeading = (v: ProductView): string => `مقدار تولید محصولات (${PRODUCT_GEO_LABELS[v.query.geo]})${v.query.isic ? ` — آیسیک ${v.query.isic}` : ''}`;

export function productTitle(v: ProductView): string {
  return `${productHeading(v)} — ${releaseTitle(v.release)}`;
}

/** A product table in the one shape every release table is downloaded in (table.ts). */
export function productTable(v: ProductView): ReleaseTable {
  return {
    heading: productHeading(v),
    release: v.release, releaseTitle: releaseTitle(v.release), unit: null,
    leadHeaders: ['کد', 'نوع', 'محصول', 'واحد اندازه‌گیری'], longLeadHeaders: ['کد', 'نوع', 'محصول', 'کد واحد', 'واحد اندازه‌گیری'],
    colsLabel: 'ستون', valueLabel: 'مقدار',
    cols: v.cols,
    rows: v.rows.map((r) => ({ lead: [csvCode(r.code), KIND_LABELS[r.kind], r.name, r.uomName], longLead: [r.code, KIND_LABELS[r.kind], r.name, r.uom, r.uomName], total: r.kind === 'group' })),
    cells: v.cells,
    number: (value) => exactJson(value)!,
    text: canonicalDecimal,
    numFmt: '#,##0.######',
    notes: [...LEGEND_LINES],
  };
}

export function productJson(v: ProductView): unknown {
  return {
    release: releaseJson(v.release),
    query: { period: v.query.period, preliminary: v.query.preliminary, geo: v.query.geo, isic: v.query.isic },
    total_keys: { geo: NATIONAL },
    rows: v.rows.map((h) => ({ key: h.key, product: h.product, kind: h.kind, code: h.code, name: h.name, unit_of_measure: { code: h.uom, name: h.uomName } })),
    cols: v.cols.map((h) => ({ key: h.key, label: h.label })),
    cells: v.cells.flatMap((row) => row.filter((c) => !c.empty).map((c) => ({ row: c.row, col: c.col, value: exactJson(c.value), suppressed: c.suppressed }))),
  };
}
