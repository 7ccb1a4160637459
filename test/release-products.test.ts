import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import ExcelJS from 'exceljs';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUnit, createUser, signIn } from './support/factories.ts';
import { createApiToken } from '../src/api/auth.ts';
import { createFiling } from './support/filings.ts';
import { db } from '../src/db.ts';
import { publishRelease } from '../src/stats/releases/publish.ts';
import { auditStoredReleases } from '../src/stats/releases/audit.ts';
import { parseReferencePeriod } from '../src/stats/releases/period.ts';
import { productNodesOf, toMicro, fromMicro } from '../src/stats/releases/products.ts';
import { convertQuantity, type MeasureUnit } from '../src/catalogue/quantity.ts';

// Issue 15, item 4: quantities per coded product in releases, on both databases. The release's
// product cells equal the verified filings summed in TypeScript after conversion to the code's
// unit (catalogue/quantity.ts, an oracle independent of the release's SQL); kilograms and tonnes add exactly; a product one unit makes is never published,
// neither directly nor as its group minus its sister products; uncoded products count under
// their class's «سایر محصولات».

let t: TestDatabase;
let app: App;
const period = (code: string) => parseReferencePeriod(code)!;
const MILK = '1050100010'; // tonnes
const YOGHURT = '1050100020'; // tonnes, made by one unit only
const DOOGH = '1050200010'; // thousand litres

interface Made { unit: number; product: number }

async function catalogue(): Promise<void> {
  await db()('catalogue').insert([
    { code: MILK, isic_class: '1050', name_fa: 'شیر پاستوریزه', unit_of_measure_code: 't', active_from: '1403-01' },
    { code: YOGHURT, isic_class: '1050', name_fa: 'ماست', unit_of_measure_code: 't', active_from: '1403-01' },
    { code: DOOGH, isic_class: '1050', name_fa: 'دوغ', unit_of_measure_code: 'kl', active_from: '1403-01' },
  ]);
}

/** A unit of class 1050 making one product, declared in `uom` (text) and linked to `code` (or not). */
async function maker(province: string, name: string, uom: string, code: string | null): Promise<Made> {
  const u = await createUnit({ province_code: province, isic_class: '1050', products: [{ name, unit_of_measure: uom, annual_capacity: 1_000_000 }] });
  if (code) await db()('products').where({ id: u.productIds[0] }).update({ catalogue_code: code });
  return { unit: u.id, product: u.productIds[0] };
}

async function file(m: Made, month: string, produced: number, state: 'verified' | 'submitted' = 'verified'): Promise<void> {
  await createFiling({ unitId: m.unit, period: month, state, productionValue: 3_000_000_000 + m.unit * 1000, intermediateConsumption: 1_000_000_000, employees: 20, lines: [{ product_id: m.product, produced, sold: 0, sales_value: 0 }] });
}

const Q1 = ['1404-01', '1404-02', '1404-03'];

beforeAll(async () => {
  ({ t, app } = await freshApp());
  await catalogue();
  const milk: Made[] = [
    await maker('23', 'شیر پاستوریزه', 'کیلوگرم', MILK),
    await maker('23', 'شير پاستوريزه', 'تن', MILK),
    await maker('23', 'شیر', 'تن', MILK),
    await maker('10', 'شیر پاستوریزه', 'کیلوگرم', MILK),
    await maker('10', 'شیر', 'تن', MILK),
    await maker('10', 'شیر کم‌چرب', 'تن', MILK),
  ];
  for (const [i, m] of milk.entries()) for (const [j, month] of Q1.entries()) await file(m, month, i % 3 === 0 ? 1_500_500 + 1000 * j : 1200.25 + i + j);
  const yoghurt = await maker('23', 'ماست', 'تن', YOGHURT);
  for (const month of Q1) await file(yoghurt, month, 900);
  for (let i = 0; i < 3; i++) {
    const d = await maker(i < 2 ? '23' : '10', 'دوغ', 'لیتر', DOOGH);
    for (const month of Q1) await file(d, month, 40_000 + 1000 * i);
  }
  for (let i = 0; i < 3; i++) {
    const other = await maker('23', `پنیر محلی ${i}`, 'کیلوگرم', null);
    for (const month of Q1) await file(other, month, 5000 + i);
  }
  const wrong = await maker('10', 'شیر', 'لیتر', MILK); // litres linked to a code in tonnes: not counted
  await file(wrong, '1404-01', 777);
}, 180_000);
afterAll(() => t.close());

async function cells(releaseId: number, geo: string): Promise<Map<string, string | null>> {
  const rows = await db()('release_cells').where({ release_id: releaseId, space: 'products', geo, measure: 'quantity' }).select('node', 'value');
  return new Map(rows.map((r: { node: string; value: string | null }) => [r.node, r.value === null ? null : fromMicro(toMicro(String(r.value)))]));
}

/** The base unit of a dimension, in which a class's uncoded products are summed (DESIGN §7, issue 15). */
const BASE_OF: Record<string, string> = { mass: 'kg', volume: 'l' };

/**
 * Per `geo|node~uom`, the exact quantity of the verified filings of `month`, from the raw rows
 * and catalogue/quantity.ts alone: the oracle of the release's quantities.
 */
async function oracleQuantities(month: string): Promise<Map<string, string>> {
  const units = new Map(((await db()('units_of_measure').select('code', 'name_fa', 'dimension', db().raw('factor::text as factor'))) as MeasureUnit[]).map((u) => [u.code, u]));
  const lines = (await db()('filing_lines as fl').join('filings as f', 'f.id', 'fl.filing_id').join('units as u', 'u.id', 'f.unit_id').join('products as p', 'p.id', 'fl.product_id')
    .leftJoin('catalogue as c', 'c.code', 'p.catalogue_code')
    .where({ 'f.period': month, 'f.state': 'verified' }).whereNotNull('fl.produced')
    .select('u.province_code as geo', 'u.isic_class as cls', 'c.code', 'c.unit_of_measure_code as code_uom', 'p.unit_of_measure_code as declared', db().raw('fl.produced::text as produced'))) as
    { geo: string; cls: string; code: string | null; code_uom: string | null; declared: string | null; produced: string }[];
  const sums = new Map<string, bigint>();
  const add = (key: string, q: bigint) => sums.set(key, (sums.get(key) ?? 0n) + q);
  for (const l of lines) {
    const from = l.declared ? units.get(l.declared) : undefined;
    if (!from) continue;
    const to = units.get(l.code_uom ?? BASE_OF[from.dimension]);
    if (!to || to.dimension !== from.dimension) continue; // a unit of another dimension than the code's is not counted
    const q = toMicro(convertQuantity(l.produced, from, to));
    const nodes = l.code ? [l.code, `G${l.code.slice(0, 6)}`, `G${l.code.slice(0, 8)}`, `G${l.cls}`] : [`${l.cls}*`, `G${l.cls}`];
    for (const geo of [l.geo, 'IR']) for (const node of nodes) add(`${geo}|${node}~${to.code}`, q);
  }
  return new Map([...sums].map(([key, q]) => [key, fromMicro(q)]));
}

describe('quantities per coded product in releases', () => {
  it('a product counts in its code, its class group and its prefix groups, in its unit; «سایر محصولات» in its class group only', () => {
    expect(productNodesOf(`${MILK}~t`)).toEqual([`${MILK}~t`, 'G1050~t', 'G105010~t', 'G10501000~t']);
    expect(productNodesOf('1050*~kg')).toEqual(['1050*~kg', 'G1050~kg']);
    expect(productNodesOf('1050~t')).toEqual(['1050~t', 'G1050~t']);
    expect(fromMicro(toMicro('1500.5'))).toBe('1500.5');
    expect(fromMicro(toMicro('0.000001'))).toBe('0.000001');
  });

  it('the month release: quantities equal the filings summed in TypeScript after conversion, kg and t added exactly, the lone product protected, audit clean', async () => {
    const r = await publishRelease({ period: period('1404-01'), preliminary: false, userId: null });
    if (!r.ok) throw new Error(r.reason);
    const report = r.release.report.products!;
    expect(report.uncounted).toBe(1); // the litres of a product coded in tonnes
    expect(report.audit.inside).toBe(0);
    expect(report.audit.exact).toBe(0);

    // Every published product cell, national and provincial, equals the same node summed in
    // TypeScript from the verified filings as they are (an oracle independent of the release's SQL):
    // each line converted by catalogue/quantity.ts and counted in its code, the code's prefix groups
    // and its class group, or (uncoded) in its class's other products and class group.
    const expected = await oracleQuantities('1404-01');
    const stored = await db()('release_cells').where({ release_id: r.release.id, space: 'products', measure: 'quantity' }).select('geo', 'node', 'value');
    expect(stored.length).toBe(expected.size);
    let published = 0;
    for (const c of stored as { geo: string; node: string; value: string | null }[]) {
      const key = `${c.geo}|${c.node}`;
      expect(expected.has(key), key).toBe(true);
      if (c.value === null) continue;
      published++;
      expect(fromMicro(toMicro(String(c.value))), key).toBe(expected.get(key));
    }
    expect(published).toBeGreaterThan(0);

    const national = await cells(r.release.id, 'IR');
    // 1 500 500 kg twice (= 1500.5 t each) and 1200.25 + i t for the others: exact, no float residue.
    expect(expected.get(`IR|${MILK}~t`)).toBe(fromMicro(toMicro('1500.5') * 2n + toMicro('1201.25') + toMicro('1202.25') + toMicro('1204.25') + toMicro('1205.25')));
    // A group is hidden before a code: the national milk figure stays published beside the lone yoghurt.
    expect(national.get(`${MILK}~t`)).toBe(expected.get(`IR|${MILK}~t`));
    expect(expected.get(`IR|${DOOGH}~kl`)).toBe('123'); // litres declared, thousand litres published

    // One unit makes yoghurt: its cell is suppressed, and so is every group that is milk + yoghurt.
    expect(national.has(`${YOGHURT}~t`)).toBe(true);
    expect(national.get(`${YOGHURT}~t`)).toBeNull();
    for (const group of ['G1050~t', 'G105010~t', 'G10501000~t']) expect(national.get(group), group).toBeNull();
    // Uncoded cheese: counted under the class's «سایر محصولات», in kilograms (3 units, published).
    expect(national.get('1050*~kg')).toBe('15003');
    const tehran = await cells(r.release.id, '23');
    expect(tehran.get('1050*~kg')).toBe('15003');

    const units = await db()('release_cells').where({ release_id: r.release.id, space: 'products', geo: 'IR', node: `${DOOGH}~kl`, measure: 'units' }).first('value');
    // Three producing units, published perturbed by the cell-key method (counts.ts): 3 to 5, never below 3.
    expect(Number(units.value)).toBeGreaterThanOrEqual(3);
    expect(Number(units.value)).toBeLessThanOrEqual(5);
  });

  it('the quarter after its months: protected jointly, and the stored audit finds nothing in any product cell', async () => {
    for (const code of ['1404-02', '1404-03', '1404-Q1']) {
      const r = await publishRelease({ period: period(code), preliminary: false, userId: null });
      if (!r.ok) throw new Error(r.reason);
      expect(r.release.report.products!.audit.inside).toBe(0);
    }
    const audits = await auditStoredReleases();
    expect(audits).toHaveLength(4);
    for (const a of audits) {
      expect(a.products.exact, `release ${a.release}`).toBe(0);
      expect(a.products.inside, `release ${a.release}`).toBe(0);
    }
    expect(audits.some((a) => a.products.sensitive > 0)).toBe(true);
    // Every attacker of issue 22 (outsider, insider, revision) was run on the stored releases and found nothing.
    for (const a of audits) for (const s of Object.values(a.byAttacker ?? {})) expect(s.exact + s.inside).toBe(0);
  }, 180_000); // three releases, each with its stored proof (issue 21), and the stored audit (insiders included)

  it('no product cell of any release publishes a figure of fewer than three units', async () => {
    const small = await db()('release_cells').where({ space: 'products', measure: 'units', suppressed: false }).andWhere('value', '<', 3).count('* as n').first();
    expect(Number(small?.n)).toBe(0);
  });

  it('the office reads the product table on the page, in CSV (wide and long), XLSX and the API, the code beside the name; other roles get 404', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, office.email);
    const page = await agent.get('/stats/products?period=1404-01');
    expect(page.status).toBe(200);
    expect(page.text).toContain('شیر پاستوریزه');
    expect(page.text).toContain('۱۰۵۰۱۰۰۰۱۰');
    expect(page.text).toContain('سایر محصولات طبقه ۱۰۵۰');
    expect(page.text).toContain('×');
    expect(page.text).toMatch(/ردیف محصول بی واحد شناخته‌شده/);

    // A wrong filter is answered in Persian next to its field, with what was typed kept.
    const bad = await agent.get('/stats/products?period=1404-01&isic=۱۰x');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('کد آیسیک دو، سه یا چهار رقمی است');
    expect(bad.text).toContain('value="10x"');

    const csv = await agent.get('/stats/products?period=1404-01&format=csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.replace(/^\ufeff/, '').split('\r\n');
    // The same writer as every release table (issue 20 §4): title, unit line, header, rows, legend; × as on the page.
    expect(lines[0]).toMatch(/^مقدار تولید محصولات \(کل کشور، با شمار واحدها\) — /);
    expect(lines[3]).toBe('کد,نوع,محصول,واحد اندازه‌گیری,مقدار تولید,تعداد واحدهای تولیدکننده');
    const yoghurt = lines.find((l) => l.startsWith(`${YOGHURT},`))!;
    expect(yoghurt).toBe(`${YOGHURT},محصول,ماست,تن,×,×`);
    // The count of producing units is perturbed by the cell-key method (issue 22): 3 true units, published as 3 to 5.
    expect(lines.find((l) => l.startsWith('1050,سایر'))).toMatch(/^1050,سایر محصولات,سایر محصولات طبقه ۱۰۵۰ \(پیوندنخورده به کد\),کیلوگرم,15003,[345]$/);
    expect(lines.some((l) => l.startsWith('× : محرمانه'))).toBe(true);
    const long = await agent.get('/stats/products?period=1404-01&format=csv-long&geo=province');
    expect(long.text.replace(/^\ufeff/, '').split('\r\n')[0]).toBe('کد,نوع,محصول,کد واحد,واحد اندازه‌گیری,کد ستون,ستون,مقدار,محرمانه');
    expect(long.text).toContain(`\r\n${YOGHURT},محصول,ماست,t,تن,23,تهران,,×`);

    const xlsx = await agent.get('/stats/products?period=1404-01&format=xlsx').buffer(true).parse((res, cb) => { const chunks: Buffer[] = []; res.on('data', (c: Buffer) => chunks.push(c)); res.on('end', () => cb(null, Buffer.concat(chunks))); });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Parameters<typeof wb.xlsx.load>[0]);
    const ws = wb.worksheets[0];
    const other = ws.getRows(1, ws.rowCount)!.find((r) => r.getCell(3).value === 'سایر محصولات طبقه ۱۰۵۰ (پیوندنخورده به کد)')!;
    expect(other.getCell(1).value).toBe('1050');
    expect(other.getCell(5).value).toBe(15003);
    expect(other.getCell(5).numFmt).toBe('#,##0.######');

    const token = (await createApiToken(office.id, 'tools')).token;
    const api = await request(app).get('/api/v1/stats/products?period=1404-01&geo=province&isic=1050').set('Authorization', `Bearer ${token}`);
    expect(api.status).toBe(200);
    const row = api.body.rows.find((r: { product: string }) => r.product === DOOGH);
    expect(row).toMatchObject({ kind: 'code', code: DOOGH, name: 'دوغ', unit_of_measure: { code: 'kl', name: 'هزار لیتر' } });
    const yoghurtCells = api.body.cells.filter((c: { row: string }) => c.row === `${YOGHURT}~t`);
    expect(yoghurtCells.length).toBeGreaterThan(0);
    for (const c of yoghurtCells) expect(c).toMatchObject({ value: null, suppressed: true });
    expect((await request(app).get('/api/v1/stats/products?period=1404-01&isic=abc').set('Authorization', `Bearer ${token}`)).status).toBe(422);
    expect((await request(app).get('/api/v1/stats/products?period=1404-05').set('Authorization', `Bearer ${token}`)).status).toBe(404);

    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent: other2 } = await signIn(app, officer.email);
    expect((await other2.get('/stats/products?period=1404-01')).status).toBe(404);
  });
});
