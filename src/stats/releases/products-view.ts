import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { persianDigits, compareFa } from '../../text.ts';
import { cellGrid, latestRelease, releaseSlice, NATIONAL, type ViewCell, type ViewHeader } from './view.ts';
import { productCategory, splitNode } from './products.ts';
import type { ReleaseRow } from './types.ts';
import { PUBLIC, type Viewer } from '../../dissemination/embargo.ts';

// The product table of a stored release (DESIGN §7, product dimension; issue 15): quantities per
// catalogue code in the code's standard unit, its prefix groups and the classes' «سایر محصولات»,
// nationally with the number of producing units, or by province. As with the value tables,
// nothing here adds or protects a figure: cells are read as the release stored them.

export const PRODUCT_GEOS = ['national', 'province'] as const;
export type ProductGeo = (typeof PRODUCT_GEOS)[number];
export const PRODUCT_GEO_LABELS: Record<ProductGeo, string> = { national: 'کل کشور، با شمار واحدها', province: 'به تفکیک استان' };

export interface ProductViewRequest {
  period: string;
  preliminary: boolean;
  geo: ProductGeo;
  isic: string | null; // an ISIC division (2 digits), group (3) or class (4) the products belong to
}

export type ProductKind = 'code' | 'group' | 'other';

export interface ProductRowHeader {
  key: string; // product~unit of measure
  product: string; // as stored: 1050100010, G105010, 1050*
  kind: ProductKind;
  code: string; // the digits: the catalogue code, the group's prefix, or the class of «سایر محصولات»
  name: string;
  uom: string;
  uomName: string;
  depth: number; // 0 for a class group, deeper for prefix groups and codes
}

export interface ProductView {
  query: ProductViewRequest;
  release: ReleaseRow;
  rows: ProductRowHeader[];
  cols: ViewHeader[];
  cells: ViewCell[][];
}

export const QUANTITY_KEY = 'quantity';
export const UNITS_KEY = 'units';

export function productKind(product: string): ProductKind {
  return product.startsWith('G') ? 'group' : product.endsWith('*') ? 'other' : 'code';
}

const codeOf = (product: string): string => product.replace(/^G/, '').replace(/\*$/, '');

/** Classes first, then within a class and unit: the class group, prefix groups before their codes, other products last. */
function sortKey(product: string, uom: string): string {
  const digits = codeOf(product);
  const kind = productKind(product);
  return `${digits.slice(0, 4)}|${uom}|${kind === 'other' ? '~~' : kind === 'group' ? digits : `${digits}~`}`;
}

export async function productView(q: ProductViewRequest, k: Knex = db(), viewer: Viewer = PUBLIC): Promise<ProductView | null> {
  const release = await latestRelease(q.period, q.preliminary, k, viewer);
  if (!release) return null;
  const national = q.geo === 'national';
  const bindings: string[] = [];
  let where = national ? `c.geo = '${NATIONAL}'` : `c.measure = 'quantity'`;
  if (q.isic) {
    where += ' and (c.node like ? or c.node like ?)';
    bindings.push(`${q.isic}%`, `G${q.isic}%`);
  }
  const slice = await releaseSlice(release.id, 'products', { sql: where, bindings }, { provinces: true, isicLevel: 'class', uoms: true }, k);
  const found = slice.cells.map(({ geo, node, measure, value }) => {
    const { product, uom } = splitNode(node);
    return [geo, product, uom, measure, value] as const;
  });
  const { uoms, provinces, isic: classes } = slice;
  const codes = [...new Set(found.map((c) => c[1]).filter((p) => productKind(p) === 'code'))];
  const names = new Map<string, string>(codes.length
    ? ((await k('catalogue').whereIn('code', codes).select('code', 'name_fa')) as { code: string; name_fa: string }[]).map((c) => [c.code, c.name_fa])
    : []);

  const rowsByKey = new Map<string, ProductRowHeader>();
  for (const [, product, uom] of found) {
    const key = productCategory(product, uom);
    if (rowsByKey.has(key)) continue;
    const kind = productKind(product);
    const code = codeOf(product);
    const cls = code.slice(0, 4);
    const classTitle = classes[cls] ? ` — ${classes[cls]}` : '';
    const name = kind === 'code' ? names.get(code) ?? persianDigits(code)
      : kind === 'other' ? `سایر محصولات طبقه ${persianDigits(cls)} (پیوندنخورده به کد)`
      : code.length === 4 ? `همه محصولات طبقه ${persianDigits(cls)}${classTitle}` : `محصولات با کد آغازشونده با ${persianDigits(code)}`;
    const depth = kind === 'group' ? (code.length - 4) / 2 : kind === 'other' ? 1 : 3;
    rowsByKey.set(key, { key, product, kind, code, name, uom, uomName: uoms[uom] ?? uom, depth });
  }
  const rows = [...rowsByKey.values()].sort((a, b) => (sortKey(a.product, a.uom) < sortKey(b.product, b.uom) ? -1 : 1));

  const cols: ViewHeader[] = national
    ? [{ key: QUANTITY_KEY, label: 'مقدار تولید', total: false }, { key: UNITS_KEY, label: 'تعداد واحدهای تولیدکننده', total: false }]
    : [...new Set(found.map((c) => c[0]).filter((g) => g !== NATIONAL))]
      .sort((a, b) => compareFa(provinces[a] ?? a, provinces[b] ?? b))
      .map((g) => ({ key: g, label: provinces[g] ?? g, total: false }))
      .concat([{ key: NATIONAL, label: 'کل کشور', total: true }]);
  const grid = cellGrid(rows, cols, new Map(found.map(([geo, product, uom, measure, value]) => [`${productCategory(product, uom)}|${national ? measure : geo}`, value])));
  // A prefix group with the very same cells as a row inside it (one code under `105010`) says
  // nothing more: it is left out of the table. The class group always stays.
  const same = (a: ViewCell[], b: ViewCell[]) => a.every((c, i) => c.value === b[i].value && c.empty === b[i].empty);
  const all = rows.map((r, i) => ({ r, cells: grid[i] }));
  const kept = all.filter(({ r, cells }) => r.kind !== 'group' || r.code.length === 4
    || !all.some((o) => o.r !== r && o.r.uom === r.uom && o.r.kind !== 'other' && o.r.code.length > r.code.length && o.r.code.startsWith(r.code) && same(o.cells, cells)));
  return { query: q, release, rows: kept.map((x) => x.r), cols, cells: kept.map((x) => x.cells) };
}
