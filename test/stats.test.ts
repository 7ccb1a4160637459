import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import ExcelJS from 'exceljs';
import { createApiToken } from '../src/api/auth.ts';
import { buildAggregateTable, TOTAL_KEY, type AggregateTable } from '../src/stats/aggregates.ts';
import { parseAggregateQuery, type AggregateQuery } from '../src/stats/forms.ts';
import { isPrimaryConfidential, recoverableLines } from '../src/stats/suppression.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn } from './support/factories.ts';
import { bulkFixture, setSetting } from './support/stats-fixtures.ts';

let t: TestDatabase;
let app: App;
const PERIODS = ['1403-10', '1403-11', '1403-12', '1404-01', '1404-02', '1404-03'];

beforeAll(async () => {
  ({ t, app } = await freshApp());
  await bulkFixture({ units: 60, periods: PERIODS, seed: 7 });
});
afterAll(() => t.close());

function query(q: Partial<AggregateQuery> & Pick<AggregateQuery, 'rows' | 'measure'>): AggregateQuery {
  return { from: '1403-10', to: '1404-03', cols: null, includeUnverified: false, format: 'json', ...q };
}

const DIM_SQL: Record<string, string> = {
  province: 'u.province_code', isic_section: 'ic.section', isic_division: 'left(u.isic_class, 2)', isic_group: 'left(u.isic_class, 3)',
  isic_class: 'u.isic_class', period: 'f.period', product: `p.name || ' (' || p.unit_of_measure || ')'`,
};

/** The same figures straight from SQL, one query, no per-unit step: the oracle. */
async function directSums(q: AggregateQuery): Promise<Map<string, number>> {
  const byProduct = q.rows === 'product' || q.cols === 'product';
  const measure = { units: 'f.unit_id', quantity: 'fl.produced', production_value: 'f.production_value', value_added: 'f.value_added', employees: 'f.employees' }[q.measure];
  const agg = q.measure === 'units' ? `count(distinct ${measure})` : `sum(${measure})`;
  const col = q.cols ? DIM_SQL[q.cols] : `'value'`;
  const states = q.includeUnverified ? ['verified', 'submitted'] : ['verified'];
  const res = await t.knex.raw(
    `select ${DIM_SQL[q.rows]} as r, ${col} as c, ${agg} as v from filings f join units u on u.id = f.unit_id
       join isic_codes ic on ic.code = u.isic_class
       ${byProduct ? 'join filing_lines fl on fl.filing_id = f.id join products p on p.id = fl.product_id' : ''}
      where f.period between ? and ? and f.state = any(?) and ${measure} is not null ${byProduct ? 'and fl.produced > 0' : ''}
      group by grouping sets ((1, 2), (1), (2), ())`,
    [q.from, q.to, states],
  );
  const out = new Map<string, number>();
  for (const r of res.rows as { r: string | null; c: string | null; v: number }[]) out.set(`${r.r ?? TOTAL_KEY}|${r.c ?? TOTAL_KEY}`, Number(r.v));
  return out;
}

function cellsOf(table: AggregateTable) {
  return table.cells.flat();
}

describe('aggregates equal a direct SQL sum over the same filings', () => {
  const cases: [string, Partial<AggregateQuery> & Pick<AggregateQuery, 'rows' | 'measure'>][] = [
    ['province × isic_division, production value', { rows: 'province', cols: 'isic_division', measure: 'production_value' }],
    ['isic_section × period, value added', { rows: 'isic_section', cols: 'period', measure: 'value_added' }],
    ['isic_class × province, units', { rows: 'isic_class', cols: 'province', measure: 'units' }],
    ['product × province, quantity', { rows: 'product', cols: 'province', measure: 'quantity' }],
    ['province alone, production value incl. unverified', { rows: 'province', measure: 'production_value', includeUnverified: true }],
    ['period × isic_group, units incl. unverified', { rows: 'period', cols: 'isic_group', measure: 'units', includeUnverified: true }],
  ];

  it('without thresholds (min units 1, dominance 1.0) every cell and total is published and equals SQL', async () => {
    await setSetting('suppression_min_units', 1);
    await setSetting('suppression_dominance', 1);
    try {
      for (const [name, q] of cases) {
        const full = query(q);
        const table = await buildAggregateTable(full);
        const oracle = await directSums(full);
        let compared = 0;
        for (const cell of cellsOf(table)) {
          expect(cell.suppressed, name).toBeNull();
          const key = `${cell.row}|${cell.col}`;
          const expected = oracle.get(key);
          if (cell.empty) { expect(expected ?? 0, `${name} ${key}`).toBe(0); continue; }
          expect(cell.value, `${name} ${key}`).toBeCloseTo(expected!, 3);
          compared++;
        }
        expect(compared, name).toBeGreaterThan(3);
      }
    } finally {
      await setSetting('suppression_min_units', 3);
      await setSetting('suppression_dominance', 0.85);
    }
  });

  it('with the default thresholds every published cell still equals SQL, and suppressed cells carry no value', async () => {
    for (const [name, q] of cases) {
      const full = query(q);
      const table = await buildAggregateTable(full);
      const oracle = await directSums(full);
      for (const cell of cellsOf(table)) {
        if (cell.suppressed) { expect(cell.value).toBeNull(); continue; }
        if (cell.empty) continue;
        const key = `${cell.row}|${cell.col}`;
        expect(cell.value, `${name} ${key}`).toBeCloseTo(oracle.get(key)!, 3);
      }
    }
  });

  it('employees over several months are the average of the monthly totals', async () => {
    const q = query({ rows: 'province', measure: 'employees' });
    const table = await buildAggregateTable({ ...q, format: 'json' });
    await setSetting('suppression_min_units', 1);
    await setSetting('suppression_dominance', 1);
    const open = await buildAggregateTable(q);
    await setSetting('suppression_min_units', 3);
    await setSetting('suppression_dominance', 0.85);
    const res = await t.knex.raw(`select u.province_code as r, sum(f.employees)::float8 / 6 as v from filings f join units u on u.id = f.unit_id where f.state = 'verified' and f.period between '1403-10' and '1404-03' group by 1`);
    for (const r of res.rows as { r: string; v: number }[]) {
      const cell = open.cells.find((row) => row[0].row === r.r)![0];
      expect(cell.value).toBeCloseTo(r.v, 2);
    }
    expect(table.rows.length).toBe(open.rows.length);
  });

  it('a published table has no cell below the thresholds and no row or column with exactly one suppressed cell', async () => {
    const table = await buildAggregateTable(query({ rows: 'isic_class', cols: 'province', measure: 'production_value' }));
    const flat = cellsOf(table);
    expect(flat.some((c) => c.suppressed)).toBe(true);
    for (let r = 0; r < table.cells.length; r++) {
      const n = table.cells[r].filter((c) => c.suppressed).length;
      expect(n).not.toBe(1);
    }
    for (let c = 0; c < table.cols.length; c++) {
      const n = table.cells.filter((row) => row[c].suppressed).length;
      expect(n).not.toBe(1);
    }
    expect(isPrimaryConfidential([1, 1], { minUnits: 3, dominance: 0.85 })).toBe(true);
    expect(recoverableLines).toBeTypeOf('function');
  });
});

describe('query parsing', () => {
  it('a quarter and a Jalali year become month ranges', () => {
    const q = parseAggregateQuery({ quarter: '1404-Q2', rows: 'province', measure: 'units' });
    expect(q.ok && [q.data.from, q.data.to]).toEqual(['1404-04', '1404-06']);
    const y = parseAggregateQuery({ year: '۱۴۰۳', rows: 'province', measure: 'units' });
    expect(y.ok && [y.data.from, y.data.to]).toEqual(['1403-01', '1403-12']);
  });

  it('refuses adding up quantities of different units of measure, in Persian', () => {
    const q = parseAggregateQuery({ from: '1404-01', to: '1404-02', rows: 'province', measure: 'quantity' });
    expect(q.ok).toBe(false);
    expect(!q.ok && q.errors.measure).toContain('واحد اندازه‌گیری');
  });
});

describe('who may see the tables', () => {
  const url = '/stats/aggregates?from=1403-10&to=1404-03&rows=province&cols=isic_division&measure=production_value';

  it('answers 404 to a unit user, a province officer, the planning deputy and an admin', async () => {
    for (const role of ['unit_user', 'province_officer', 'planning_deputy', 'admin'] as const) {
      const u = await createUser({ role, province_code: role === 'province_officer' ? '23' : null });
      const { agent } = await signIn(app, u.email);
      for (const path of ['/stats', url, `${url}&format=csv`, `${url}&format=json`, `${url}&format=xlsx`]) {
        const res = await agent.get(path);
        expect(res.status, `${role} ${path}`).toBe(404);
        expect(res.text).not.toContain('جمع کل');
      }
    }
  });

  it('the API answers 404 to tokens of other roles and serves the statistics office', async () => {
    for (const role of ['unit_user', 'province_officer', 'planning_deputy'] as const) {
      const u = await createUser({ role, province_code: role === 'province_officer' ? '23' : null });
      const { token } = await createApiToken(u.id, 'test');
      const res = await request(app).get(`/api${url.replace('/stats', '/v1/stats')}`).set('Authorization', `Bearer ${token}`);
      expect(res.status, role).toBe(404);
      expect(res.body.cells).toBeUndefined();
    }
    const office = await createUser({ role: 'stats_office' });
    const { token } = await createApiToken(office.id, 'tools');
    const res = await request(app).get('/api/v1/stats/aggregates?from=1403-10&to=1404-03&rows=province&cols=isic_division&measure=production_value').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const total = res.body.cells.find((c: { row: string; col: string }) => c.row === TOTAL_KEY && c.col === TOTAL_KEY);
    expect(total).toBeDefined();
    for (const c of res.body.cells) {
      expect(Object.keys(c).sort()).toEqual(['col', 'row', 'suppressed', 'value']);
      if (c.suppressed) expect(c.value).toBeNull();
    }
    const csv = await request(app).get('/api/v1/stats/aggregates?from=1403-10&to=1404-03&rows=province&measure=units&format=csv').set('Authorization', `Bearer ${token}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const bad = await request(app).get('/api/v1/stats/aggregates?from=1404-05&to=1404-01&rows=province&measure=units&format=xlsx').set('Authorization', `Bearer ${token}`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.fields.to.message).toContain('ماه پایان');
  });
});

describe('the statistics office page and downloads', () => {
  let agent: Awaited<ReturnType<typeof signIn>>['agent'];
  beforeAll(async () => {
    const u = await createUser({ role: 'stats_office' });
    ({ agent } = await signIn(app, u.email));
  });
  const url = '/stats/aggregates?span=months&from=1403-10&to=1404-03&rows=province&cols=isic_division&measure=production_value';

  it('renders the table with totals, × for suppressed cells and a legend', async () => {
    const started = Date.now();
    const res = await agent.get(url);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(200);
    expect(res.text).toContain('جمع کل');
    expect(res.text).toContain('تهران');
    expect(res.text).toMatch(/<td class="suppressed"[^>]*>×<\/td>/);
    expect(res.text).toContain('id="suppression-legend"');
    expect(res.text).toContain('تنها اظهارنامه‌های تأییدشده');
    const unverified = await agent.get(`${url}&include_unverified=true`);
    expect(unverified.text).toContain('شامل اظهارنامه‌های تأییدنشده');
  });

  it('re-renders the form with a Persian message next to a bad field (422), keeping the input', async () => {
    const res = await agent.get('/stats/aggregates?span=months&from=1404-13&to=1404-01&rows=province&measure=units');
    expect(res.status).toBe(422);
    expect(res.text).toContain('ماه آغاز را به شکل');
    expect(res.text).toContain('value="1404-13"');
  });

  it('CSV is UTF-8 with a BOM, Persian headers, suppressed cells empty with a flag', async () => {
    const res = await agent.get(`${url}&format=csv`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename=".+\.csv"/);
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.toString('utf8').slice(1);
    const lines = text.trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(['کد سطر', 'استان', 'کد ستون', 'قسمت آیسیک (دو رقمی)', 'ارزش تولید (ریال)', 'محرمانگی']);
    const flagged = lines.slice(1).filter((l) => l[5] !== '');
    expect(flagged.length).toBeGreaterThan(0);
    for (const l of flagged) expect(l[4]).toBe('');
    const table = await buildAggregateTable(query({ rows: 'province', cols: 'isic_division', measure: 'production_value' }));
    expect(lines.length - 1).toBe(table.cells.flat().length);
  });

  it('XLSX is a valid workbook with a right-to-left sheet, Persian headers and a legend', async () => {
    const res = await agent.get(`${url}&format=xlsx`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as Parameters<typeof wb.xlsx.load>[0]);
    const ws = wb.worksheets[0];
    expect(ws.views[0].rightToLeft).toBe(true);
    expect(ws.getRow(3).getCell(1).value).toBe('استان');
    expect(ws.getRow(3).values).toContain('جمع');
    const texts: string[] = [];
    ws.eachRow((row) => texts.push(String(row.getCell(1).value)));
    expect(texts.some((s) => s.startsWith('× : محرمانه'))).toBe(true);
    expect(texts).toContain('جمع کل');
  });

  it('JSON carries every cell including totals with row, column, value and suppressed', async () => {
    const res = await agent.get(`${url}&format=json`);
    expect(res.status).toBe(200);
    const rows = res.body.rows.length;
    const cols = res.body.cols.length;
    expect(res.body.cells).toHaveLength(rows * cols);
    expect(res.body.cells.some((c: { suppressed: string | null }) => c.suppressed === 'primary')).toBe(true);
    for (const c of res.body.cells) expect(['primary', 'secondary', null]).toContain(c.suppressed);
  });
});

describe('no unit-level figure leaves the server', () => {
  it("a unit alone in its province: its figures appear in no format, and can't be derived from the totals", async () => {
    const { createUnit, createFiling } = await import('./support/stats-fixtures.ts');
    const lone = await createUnit({ province_code: '16', isic_class: '1050', obligation_start: '1403-01' });
    await createFiling({ unit_id: lone.id, period: '1404-01', state: 'verified', production_value: 987_654_321, intermediate_consumption: 123_456_789, employees: 4321 });
    try {
      const office = await createUser({ role: 'stats_office' });
      const { agent } = await signIn(app, office.email);
      const secrets = ['987654321', '۹۸۷٬۶۵۴٬۳۲۱', '864197532', '۸۶۴٬۱۹۷٬۵۳۲'];
      for (const measure of ['production_value', 'value_added', 'employees']) {
        for (const cols of ['', 'isic_division', 'period']) {
          const base = `/stats/aggregates?from=1403-10&to=1404-03&rows=province&measure=${measure}${cols ? `&cols=${cols}` : ''}`;
          for (const format of ['html', 'csv', 'json', 'xlsx']) {
            const res = await agent.get(`${base}&format=${format}`).buffer(true);
            expect(res.status).toBe(200);
            const body = format === 'xlsx' ? '' : res.text;
            for (const s of secrets) expect(body, `${base} ${format}`).not.toContain(s);
          }
          const json = (await agent.get(`${base}&format=json`)).body as { cells: { row: string; col: string; value: number | null; suppressed: string | null }[] };
          const ilam = json.cells.filter((c) => c.row === '16');
          expect(ilam.length).toBeGreaterThan(0);
          for (const c of ilam) if (c.col !== TOTAL_KEY || !cols) expect(c.value, `${base} ${c.col}`).toBeNull();
          // Every column (totals column included) that holds Ilam's suppressed cell holds a second one.
          for (const c of ilam.filter((x) => x.suppressed)) {
            expect(json.cells.filter((x) => x.col === c.col && x.suppressed).length).toBeGreaterThanOrEqual(2);
          }
        }
      }
      const wb = new ExcelJS.Workbook();
      const x = await agent.get('/stats/aggregates?from=1403-10&to=1404-03&rows=province&measure=production_value&format=xlsx').buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (ch: Buffer) => chunks.push(ch));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      await wb.xlsx.load(x.body as Parameters<typeof wb.xlsx.load>[0]);
      const values: unknown[] = [];
      wb.worksheets[0].eachRow((row) => row.eachCell((cell) => values.push(cell.value)));
      expect(values).not.toContain(987_654_321);
      expect(values).toContain('×');
    } finally {
      await t.knex('filings').where({ unit_id: lone.id }).delete();
    }
  });

  it('a product made by fewer than 3 units is not named: it is counted under «سایر محصولات» of its unit of measure', async () => {
    const { createUnit, createFiling } = await import('./support/stats-fixtures.ts');
    const name = 'زعفران بسته‌بندی یکتا';
    const maker = await createUnit({ province_code: '29', isic_class: '1079', obligation_start: '1403-01', products: [{ name, unit_of_measure: 'کیلوگرم', annual_capacity: 500 }] });
    await createFiling({ unit_id: maker.id, period: '1404-02', state: 'verified', lines: [{ product_id: maker.productIds[0], produced: 41.5 }] });
    try {
      const office = await createUser({ role: 'stats_office' });
      const { agent } = await signIn(app, office.email);
      const base = '/stats/aggregates?from=1403-10&to=1404-03&rows=product&cols=province&measure=quantity';
      for (const format of ['html', 'csv', 'json']) {
        const res = await agent.get(`${base}&format=${format}`);
        expect(res.status).toBe(200);
        expect(format === 'json' ? JSON.stringify(res.body) : res.text, format).not.toContain(name);
      }
      const table = await buildAggregateTable(query({ rows: 'product', cols: 'province', measure: 'quantity' }));
      const other = table.rows.find((r) => r.key === 'سایر محصولات (کیلوگرم)');
      expect(other).toBeDefined();
      expect(table.cells.flat().filter((c) => c.row === other!.key && c.col === '29' && !c.empty)).toHaveLength(1);
      // Without a threshold (min units 1) the same product is published under its own name.
      await setSetting('suppression_min_units', 1);
      try {
        const open = await buildAggregateTable(query({ rows: 'product', cols: 'province', measure: 'quantity' }));
        expect(open.rows.map((r) => r.key)).toContain(`${name} (کیلوگرم)`);
      } finally {
        await setSetting('suppression_min_units', 3);
      }
    } finally {
      await t.knex('filing_lines').whereIn('filing_id', t.knex('filings').select('id').where({ unit_id: maker.id })).delete();
      await t.knex('filings').where({ unit_id: maker.id }).delete();
    }
  });
});
