import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import request from 'supertest';
import ExcelJS from 'exceljs';
import { createApiToken } from '../src/api/auth.ts';
import { periodOf, startOfJalaliDay, DEFAULT_RULES } from '../src/calendar.ts';
import { releaseCalendar } from '../src/stats/releases/list.ts';
import type { ReleaseRow, PublishOutcome } from '../src/stats/releases/types.ts';
import type { PublishRequest } from '../src/stats/releases/publish.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn } from './support/factories.ts';
import { insertRelease, smallCube } from './support/releases.ts';
import { runNextJob } from '../src/stats/jobs/worker.ts';
import { faDigits } from '../src/numbers.ts';

// The statistics office sees figures only as views of stored releases (DESIGN §7). The releases
// here are crafted and stored directly: what is judged is that a view serves exactly what the
// release holds, of the right release, and records who saw which.

// The engine is its own module with its own tests; here it answers as told.
const engine = vi.hoisted(() => ({ next: null as null | ((req: PublishRequest) => Promise<PublishOutcome>), calls: [] as PublishRequest[] }));
vi.mock('../src/stats/releases/publish.ts', () => ({
  publishRelease: async (req: PublishRequest) => {
    engine.calls.push(req);
    if (!engine.next) throw new Error('no engine answer set');
    return engine.next(req);
  },
  refusalOf: async () => null,
}));

let t: TestDatabase;
let app: App;
let office: { id: number; email: string };
let agent: Awaited<ReturnType<typeof signIn>>['agent'];
let csrf: string;
let token: string;
const ids: Record<string, number> = {};
const BIG = 2n ** 53n + 12345n; // not representable in a double

beforeAll(async () => {
  ({ t, app } = await freshApp());
  office = await createUser({ role: 'stats_office' });
  ({ agent, csrf } = await signIn(app, office.email));
  token = (await createApiToken(office.id, 'tools')).token;
  // 1404-Q1: a final release revised once, and a preliminary one with other figures.
  ids.q1r1 = await insertRelease({ period: '1404-Q1', revision: 1, cells: smallCube(1n) });
  ids.q1r2 = await insertRelease({ period: '1404-Q1', revision: 2, cells: smallCube(2n), createdBy: office.id });
  ids.q1p = await insertRelease({ period: '1404-Q1', preliminary: true, revision: 1, cells: smallCube(3n) });
  // 1404-02 with a value beyond 2^53 and the other measures; 1404 (the year) with employees.
  ids.m02 = await insertRelease({
    period: '1404-02',
    cells: [
      { geo: 'IR', isic: 'T', value: BIG }, { geo: '23', isic: 'T', value: BIG - 1000n }, { geo: '10', isic: 'T', value: 1000 },
      { geo: 'IR', isic: 'T', value: 77, measure: 'employees' }, { geo: '23', isic: 'T', value: null, measure: 'employees' }, { geo: '10', isic: 'T', value: null, measure: 'employees' },
      { geo: 'IR', isic: 'T', value: 12, measure: 'units' },
    ],
  });
  ids.y1404 = await insertRelease({ period: '1404', cells: smallCube(12n) });
});
afterAll(() => t.close());

const api = (path: string) => request(app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
const binary = (req: request.Test) => req.buffer(true).parse((r, cb) => {
  const chunks: Buffer[] = [];
  r.on('data', (c: Buffer) => chunks.push(c));
  r.on('end', () => cb(null, Buffer.concat(chunks)));
});
interface JsonCell { row: string; col: string; value: number | string | null; suppressed: boolean }
const cellOf = (body: { cells: JsonCell[] }, row: string, col: string) => body.cells.find((c) => c.row === row && c.col === col);
const Q1 = 'rows=province&cols=isic_division&measure=production_value';

describe('a view is the latest stored release of one period of the grid', () => {
  it('the latest final revision is served; preliminary=true serves the latest preliminary release', async () => {
    const final = await agent.get(`/stats/aggregates?period=1404-Q1&${Q1}&format=json`);
    expect(final.status).toBe(200);
    expect(final.body.release).toMatchObject({ id: ids.q1r2, period: '1404-Q1', kind: 'quarter', revision: 2, preliminary: false });
    expect(new Date(final.body.release.cut_off).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(cellOf(final.body, '23', '10')!.value).toBe(1200);
    expect(cellOf(final.body, 'IR', 'T')!.value).toBe(3000);
    const prelim = await api(`/stats/aggregates?period=1404-Q1&${Q1}&preliminary=true`);
    expect(prelim.status).toBe(200);
    expect(prelim.body.release).toMatchObject({ id: ids.q1p, preliminary: true, revision: 1 });
    expect(cellOf(prelim.body, '23', '10')!.value).toBe(1800);
  });

  it('from/to that are exactly a quarter or a year serve that period\'s release', async () => {
    const quarter = await api(`/stats/aggregates?from=1404-01&to=1404-03&${Q1}`);
    expect(quarter.status).toBe(200);
    expect(quarter.body.release.id).toBe(ids.q1r2);
    const page = await agent.get(`/stats/aggregates?from=1404-01&to=1404-12&${Q1}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('سال ۱۴۰۴');
    const month = await api('/stats/aggregates?from=1404-02&to=1404-02&rows=province&measure=production_value');
    expect(month.body.release.id).toBe(ids.m02);
  });

  it('a range off the grid is refused with 400 explaining the grid; a period without a release is 404, in Persian', async () => {
    const off = await api(`/stats/aggregates?from=1404-02&to=1404-10&${Q1}`);
    expect(off.status).toBe(400);
    expect(off.body.error.code).toBe('period_off_grid');
    expect(off.body.error.message).toContain('یک فصل');
    const offPage = await agent.get(`/stats/aggregates?from=1403-11&to=1404-01&${Q1}`);
    expect(offPage.status).toBe(400);
    expect(offPage.text).toMatch(/class="invalid-feedback"[^>]*>[^<]*یک ماه، یک فصل یا یک سال نیست/);
    expect(offPage.text).toContain('value="isic_division" selected');

    const none = await api(`/stats/aggregates?period=1404-Q2&${Q1}`);
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('no_release');
    expect(none.body.error.message).toContain('تابستان ۱۴۰۴');
    expect(none.body.cells).toBeUndefined();
    const nonePage = await agent.get(`/stats/aggregates?period=1404-03&${Q1}&format=csv`);
    expect(nonePage.status).toBe(404);
    expect(nonePage.text).toContain('هنوز هیچ انتشار نهایی ثبت نشده است');
    // A month with only a final release has no preliminary one.
    expect((await api('/stats/aggregates?period=1404-02&rows=province&preliminary=true')).status).toBe(404);
  });

  it('malformed queries are 422 with a Persian message per field', async () => {
    const both = await api('/stats/aggregates?period=1404-Q1&rows=province&cols=province');
    expect(both.status).toBe(422);
    expect(both.body.error.fields.cols.message).toContain('دو بُعد جدا');
    const isic = await api('/stats/aggregates?period=1404-Q1&rows=isic_group&cols=isic_class');
    expect(isic.status).toBe(422);
    const product = await api('/stats/aggregates?period=1404-Q1&rows=product');
    expect(product.body.error.fields.rows.message).toContain('استان');
    expect((await api('/stats/aggregates?period=1404-Q5&rows=province')).body.error.fields.period.message).toContain('شناخته نشد');
    expect((await api('/stats/aggregates?period=1404-Q1&rows=province&format=xlsx')).body.error.fields.format.message).toContain('json یا csv');
    const page = await agent.get('/stats/aggregates?period=1404-Q1&rows=province&cols=province&measure=units');
    expect(page.status).toBe(422);
    expect(page.text).toContain('value="units" selected');
  });
});

describe('what a view shows', () => {
  it('suppressed cells are null with suppressed: true, and nowhere is the rule named', async () => {
    for (const format of ['json', 'csv', 'html']) {
      const res = await agent.get(`/stats/aggregates?period=1404-Q1&${Q1}&format=${format}`);
      expect(res.status).toBe(200);
      // The page's styling says btn-primary, table-secondary: judged there are the table and its legend, classes aside.
      const body = format === 'json' ? JSON.stringify(res.body) : format === 'csv' ? res.text : /<table[\s\S]*id="suppression-legend"[^<]*/.exec(res.text)![0].replace(/class="[^"]*"/g, '');
      for (const word of ['primary', 'secondary', 'اولیه', 'ثانویه', 'dominance', 'غلبه']) expect(body, `${format} ${word}`).not.toContain(word);
    }
    const json = (await api(`/stats/aggregates?period=1404-Q1&${Q1}`)).body as { cells: JsonCell[]; rows: { key: string; label: string }[]; cols: { key: string; label: string }[] };
    expect(cellOf(json, '23', '24')).toEqual({ row: '23', col: '24', value: null, suppressed: true });
    expect(cellOf(json, 'IR', '24')).toEqual({ row: 'IR', col: '24', value: 1200, suppressed: false });
    for (const c of json.cells) {
      expect(Object.keys(c).sort()).toEqual(['col', 'row', 'suppressed', 'value']);
      expect(typeof c.suppressed).toBe('boolean');
      if (c.suppressed) expect(c.value).toBeNull();
    }
    // Rows: provinces then the national total last; columns: the release's divisions, then all industry.
    expect(json.rows.map((r) => r.key)).toEqual(['10', '23', 'IR']);
    expect(json.rows.at(-1)!.label).toBe('کل کشور');
    expect(json.cols.map((c) => c.key)).toEqual(['10', '24', 'T']);
    expect(json.cols[0].label).toContain('۱۰ — ');
    expect(json.cells).toHaveLength(9);
  });

  it('the page: × for suppressed cells, the legend without the rule, totals, the release named', async () => {
    const res = await agent.get(`/stats/aggregates?period=1404-Q1&${Q1}`);
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<td class="suppressed[^"]*"[^>]*>×<\/td>/);
    expect(res.text).toContain('id="suppression-legend"');
    expect(res.text).toContain('کل کشور');
    expect(res.text).toContain('کل صنعت و معدن');
    expect(res.text).toContain('۱٬۲۰۰'); // Tehran's division 10 (600 × 2)
    expect(res.text).toContain('ویرایش ۲');
    expect(res.text).toContain('نهایی: تنها اظهارنامه‌های تأییدشده');
    const prelim = await agent.get(`/stats/aggregates?period=1404-Q1&${Q1}&preliminary=true`);
    expect(prelim.text).toContain('id="preliminary-label"');
  });

  it('one dimension alone: provinces against all industry, or ISIC levels nationally; a missing cell is empty («—»)', async () => {
    const prov = (await api('/stats/aggregates?period=1404-Q1&rows=province')).body;
    expect(prov.cols.map((c: { key: string }) => c.key)).toEqual(['value']);
    expect(prov.cells.map((c: JsonCell) => [c.row, c.value])).toEqual([['10', 1000], ['23', 2000], ['IR', 3000]]);
    const sections = (await api('/stats/aggregates?period=1404-Q1&rows=isic_section')).body;
    expect(sections.cells.map((c: JsonCell) => [c.row, c.value])).toEqual([['C', 3000], ['T', 3000]]);
    const classes = (await api('/stats/aggregates?period=1404-Q1&rows=isic_class&cols=province')).body;
    expect(classes.rows.map((r: { key: string }) => r.key)).toEqual(['T']);
    const empty = await agent.get('/stats/aggregates?period=1404-02&rows=province&cols=isic_division&measure=production_value');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('—');
  });

  it('money beyond 2^53 stays exact: a string in JSON, its digits in CSV, Persian digits on the page', async () => {
    const json = (await api('/stats/aggregates?period=1404-02&rows=province')).body;
    expect(cellOf(json, 'IR', 'value')!.value).toBe(BIG.toString());
    expect(cellOf(json, '23', 'value')!.value).toBe((BIG - 1000n).toString());
    expect(cellOf(json, '10', 'value')!.value).toBe(1000);
    const csv = await agent.get('/stats/aggregates?period=1404-02&rows=province&format=csv');
    expect(csv.text).toContain(`,${BIG.toString()}\r\n`);
    const page = await agent.get('/stats/aggregates?period=1404-02&rows=province');
    expect(page.text).toContain(new Intl.NumberFormat('fa-IR').format(BIG));
    // Employees: whole persons; the suppressed provinces are null.
    const emp = (await api('/stats/aggregates?period=1404-02&rows=province&measure=employees')).body;
    expect(emp.cells.map((c: JsonCell) => [c.row, c.value, c.suppressed])).toEqual([['10', null, true], ['23', null, true], ['IR', 77, false]]);
  });
});

describe('downloads', () => {
  it('CSV: the table as on the page (title, unit, header, rows, legend), UTF-8 with a BOM, codes as written, × and — as on the page', async () => {
    const res = await binary(agent.get(`/stats/aggregates?period=1404-Q1&${Q1}&format=csv`));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toBe('attachment; filename="release_1404-Q1_r2_production_value_province_x_isic_division.csv"');
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = body.toString('utf8').slice(1).split('\r\n').map((l) => l.split(','));
    expect(lines[0][0]).toBe('ارزش تولید (ریال) بر حسب استان و قسمت آیسیک (دو رقمی) — بهار ۱۴۰۴ — انتشار فصلی، ویرایش ۲');
    expect(lines[1]).toEqual(['واحد: ریال']);
    expect(lines[3]).toEqual(['کد', 'استان', expect.stringContaining('۱۰'), expect.stringContaining('۲۴'), 'کل صنعت و معدن']);
    // The rows as on the page: provinces, then the national total; a province code keeps its leading zero.
    expect(lines.slice(4, 7)).toEqual([['10', 'اصفهان', '600', '×', '1000'], ['23', 'تهران', '1200', '×', '2000'], ['IR', 'کل کشور', '1800', '1200', '3000']]);
    expect(lines[8][0]).toMatch(/^× : محرمانه/);
    expect(lines[9][0]).toMatch(/^— : بدون داده/);
  });

  it('CSV: a province code 00 is written 00, nothing hidden before it, and the long format is the second option', async () => {
    const id = await insertRelease({ period: '1403-01', cells: [{ geo: '00', isic: 'T', value: 2_500_000 }, { geo: '23', isic: 'T', value: 1_499_999 }, { geo: 'IR', isic: 'T', value: 3_999_999 }] });
    expect(id).toBeGreaterThan(0);
    const wide = await agent.get('/stats/aggregates?period=1403-01&rows=province&format=csv').expect(200);
    expect(wide.text).toContain('\r\n00,');
    expect(wide.text).not.toMatch(/(^|,)="/m);
    const res = await binary(agent.get(`/stats/aggregates?period=1404-Q1&${Q1}&format=csv-long`));
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="release_1404-Q1_r2_production_value_province_x_isic_division_long.csv"');
    const body = res.body as Buffer;
    const lines = body.toString('utf8').slice(1).trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(['کد سطر', 'استان', 'کد ستون', 'قسمت آیسیک (دو رقمی)', 'ارزش تولید (ریال)', 'محرمانه']);
    expect(lines).toHaveLength(10);
    const tehran24 = lines.find((l) => l[0] === '23' && l[2] === '24')!;
    expect(tehran24[4]).toBe('');
    expect(tehran24[5]).toBe('×');
    const national = lines.find((l) => l[0] === 'IR' && l[2] === 'T')!;
    expect(national).toEqual(['IR', 'کل کشور', 'T', 'کل صنعت و معدن', '3000', '']);
    for (const l of lines.slice(1)) if (l[5] === '') expect(l[4]).toMatch(/^\d+$/);
    // The API's CSV is this long format (its OpenAPI), in exact Rials.
    const fromApi = await api(`/stats/aggregates?period=1404-Q1&${Q1}&format=csv&unit=million`);
    expect(fromApi.status).toBe(200);
    expect(fromApi.text.replace(/^\ufeff/, '')).toBe(body.toString('utf8').slice(1));
  });

  it('XLSX: a right-to-left sheet with codes, labels, grouped numbers, × as text in numeric columns, widths that fit, the legend in its own wrapped rows', async () => {
    const res = await binary(agent.get(`/stats/aggregates?period=1404-Q1&${Q1}&format=xlsx`));
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as Parameters<typeof wb.xlsx.load>[0]);
    const ws = wb.worksheets[0];
    expect(ws.views[0].rightToLeft).toBe(true);
    expect(String(ws.getRow(1).getCell(1).value)).toContain('ارزش تولید (ریال)');
    expect(String(ws.getRow(2).getCell(1).value)).toContain('بهار ۱۴۰۴');
    expect(String(ws.getRow(2).getCell(1).value)).toContain('واحد: ریال');
    expect(ws.getRow(4).values).toEqual([undefined, 'کد', 'استان', expect.stringContaining('۱۰'), expect.stringContaining('۲۴'), 'کل صنعت و معدن']);
    expect(ws.getRow(4).getCell(3).alignment?.wrapText).toBe(true);
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows.find((r) => r[0] === '23')).toEqual(['23', 'تهران', 1200, '×', 2000]);
    expect(rows.find((r) => r[0] === 'IR')).toEqual(['IR', 'کل کشور', 1800, 1200, 3000]);
    const tehran = ws.getRow(6);
    expect(tehran.getCell(2).value).toBe('تهران');
    expect(tehran.getCell(3).numFmt).toBe('#,##0');
    expect(tehran.getCell(4).numFmt).toBeFalsy();
    // Every header fits its column on at most four lines; the row labels' column fits them whole.
    for (let c = 3; c <= 5; c++) {
      const label = String(ws.getRow(4).getCell(c).value);
      expect(ws.getColumn(c).width! * 4).toBeGreaterThanOrEqual(label.length);
    }
    expect(ws.getColumn(2).width).toBeGreaterThanOrEqual('کل کشور'.length);
    let legendAt = 0;
    ws.eachRow((row, n) => { if (String(row.getCell(1).value).startsWith('× : محرمانه')) legendAt = n; });
    const legend = ws.getRow(legendAt);
    expect(legend.getCell(1).alignment?.wrapText).toBe(true);
    expect(legend.getCell(1).isMerged).toBe(true);
    expect(rows.some((r) => String(r[0]).startsWith('— : بدون داده'))).toBe(true);
    const big = await binary(agent.get('/stats/aggregates?period=1404-02&rows=province&format=xlsx'));
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(big.body as Parameters<typeof wb2.xlsx.load>[0]);
    const values: unknown[] = [];
    wb2.worksheets[0].eachRow((row) => values.push(...(row.values as unknown[])));
    expect(values).toContain(BIG.toString());
  });
});

describe('money in millions of Rials (issue 14 §12)', () => {
  beforeAll(async () => {
    ids.m1403_02 = await insertRelease({
      period: '1403-02',
      cells: [
        { geo: '10', isic: 'T', value: 2_500_000 }, { geo: '23', isic: 'T', value: 1_499_999 }, { geo: '05', isic: 'T', value: null },
        { geo: 'IR', isic: 'T', value: 108_668_426_919_688n },
        { geo: 'IR', isic: 'T', value: 41, measure: 'units' },
      ],
    });
  });
  const M = 'period=1403-02&rows=province&measure=production_value';

  it('every Rial shown is a whole number (no fraction on the page, in CSV or XLSX, in Rials or millions)', async () => {
    for (const unit of ['rial', 'million']) {
      const page = await agent.get(`/stats/aggregates?${M}&unit=${unit}`).expect(200);
      const cells = [...page.text.matchAll(/<td class="num text-end[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
      expect(cells.length).toBeGreaterThan(0);
      for (const c of cells) expect(c).toMatch(/^[۰-۹٬]+$/);
      const csv = await agent.get(`/stats/aggregates?${M}&unit=${unit}&format=csv`).expect(200);
      expect(csv.text).not.toMatch(/,\d+\.\d/);
    }
    const page = await agent.get(`/stats/aggregates?${M}`).expect(200);
    expect(page.text).toContain('۱۰۸٬۶۶۸٬۴۲۶٬۹۱۹٬۶۸۸<');
  });

  it('in millions: each stored value rounded half up, the unit in the header, the title, the files and the rounding note', async () => {
    const page = await agent.get(`/stats/aggregates?${M}&unit=million`).expect(200);
    expect(page.text).toContain('id="table-unit">واحد: میلیون ریال');
    expect(page.text).toContain('ارزش تولید (میلیون ریال) بر حسب استان');
    expect(page.text).toContain('id="rounding-note"');
    expect(page.text).toContain('value="million" selected');
    const cells = [...page.text.matchAll(/<td class="num text-end[^"]*">([^<]*)<\/td>/g)].map((m) => m[1]);
    // اصفهان 2,500,000 → 3 (a half goes up); تهران 1,499,999 → 1; کل کشور 108,668,426,919,688 → 108,668,427.
    expect(cells).toEqual(['۳', '۱', '۱۰۸٬۶۶۸٬۴۲۷']);
    // Links to the files keep the unit.
    expect(page.text).toMatch(/id="download-xlsx"/);
    expect(page.text).toContain('unit=million&amp;format=xlsx');

    const csv = await agent.get(`/stats/aggregates?${M}&unit=million&format=csv`).expect(200);
    expect(csv.headers['content-disposition']).toContain('_million_rial.csv');
    const lines = csv.text.replace(/^\ufeff/, '').split('\r\n');
    expect(lines[0]).toContain('ارزش تولید (میلیون ریال)');
    expect(lines[1]).toBe('واحد: میلیون ریال');
    expect(lines).toContain('10,اصفهان,3');
    expect(lines).toContain('IR,کل کشور,108668427');
    expect(lines.some((l) => l.includes('نیم به بالا'))).toBe(true);

    const xlsx = await binary(agent.get(`/stats/aggregates?${M}&unit=million&format=xlsx`));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Parameters<typeof wb.xlsx.load>[0]);
    const rows: unknown[][] = [];
    wb.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(String(rows[1][0])).toContain('واحد: میلیون ریال');
    expect(rows.find((r) => r[0] === 'IR')).toEqual(['IR', 'کل کشور', 108_668_427]);
    expect(rows.find((r) => r[0] === '05')).toEqual(['05', expect.any(String), '×']);

    // JSON keeps exact Rials and says so.
    const json = (await agent.get(`/stats/aggregates?${M}&unit=million&format=json`).expect(200)).body;
    expect(json.unit).toBe('rial');
    expect(cellOf(json, 'IR', 'value')!.value).toBe(108_668_426_919_688);
  });

  it('counts are not scaled, and an unknown unit is refused in Persian', async () => {
    const units = await agent.get('/stats/aggregates?period=1403-02&rows=province&measure=units&unit=million').expect(200);
    expect(units.text).toContain('>۴۱<');
    expect(units.text).not.toContain('id="table-unit"');
    const bad = await agent.get(`/stats/aggregates?${M}&unit=billion`);
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('واحد ارقام ریال یا میلیون ریال است.');
  });
});

describe('every view served is in the audit log', () => {
  it('page, JSON, CSV, XLSX and API: who, when and which release', async () => {
    const before = Number((await t.knex('audit_log').max('id as m').first())?.m ?? 0);
    const started = new Date(Date.now() - 1000);
    for (const format of ['html', 'json', 'csv', 'xlsx']) expect((await agent.get(`/stats/aggregates?period=1404-Q1&${Q1}&format=${format}`)).status).toBe(200);
    expect((await api(`/stats/aggregates?period=1404-Q1&${Q1}&preliminary=true&format=csv`)).status).toBe(200);
    await agent.get(`/stats/aggregates?period=1404-Q2&${Q1}`); // no release: nothing served, nothing recorded
    const rows = await t.knex('audit_log').where('id', '>', before).andWhere({ action: 'stats.view' }).orderBy('id');
    expect(rows.map((r) => [r.user_id, r.target, r.details.via, r.details.format])).toEqual([
      [office.id, `release:${ids.q1r2}`, 'page', 'html'],
      [office.id, `release:${ids.q1r2}`, 'page', 'json'],
      [office.id, `release:${ids.q1r2}`, 'page', 'csv'],
      [office.id, `release:${ids.q1r2}`, 'page', 'xlsx'],
      [office.id, `release:${ids.q1p}`, 'api', 'csv'],
    ]);
    for (const r of rows) {
      expect(new Date(r.at).getTime()).toBeGreaterThanOrEqual(started.getTime());
      expect(r.details).toMatchObject({ period: '1404-Q1', rows: 'province', cols: 'isic_division', measure: 'production_value' });
    }
  });
});

describe('who may see the views', () => {
  const url = `/stats/aggregates?period=1404-Q1&${Q1}`;
  it('404 to every other role, on the page, in every format and on the API (the planning deputy reads published releases, issue 27)', async () => {
    const deputy = await createUser({ role: 'planning_deputy' });
    const { agent: reader } = await signIn(app, deputy.email);
    expect((await reader.get(url)).status).toBe(200);
    expect((await reader.get('/stats')).status).toBe(404); // publishing stays the office's
    for (const role of ['unit_user', 'province_officer', 'admin'] as const) {
      const u = await createUser({ role, province_code: role === 'province_officer' ? '23' : null });
      const { agent: other } = await signIn(app, u.email);
      for (const path of ['/stats', url, `${url}&format=csv`, `${url}&format=json`, `${url}&format=xlsx`]) {
        const res = await other.get(path);
        expect(res.status, `${role} ${path}`).toBe(404);
        expect(res.text).not.toContain('کل کشور');
      }
      const { token: theirs } = await createApiToken(u.id, 'x');
      const res = await request(app).get(`/api/v1${url}`).set('Authorization', `Bearer ${theirs}`);
      expect(res.status, role).toBe(404);
      expect(res.body.cells).toBeUndefined();
    }
  });
});

describe('the stats page and «انتشار جدید»', () => {
  const stored = (over: Partial<ReleaseRow>): ReleaseRow => ({
    id: 0, period: '1404-04', kind: 'month', preliminary: false, revision: 1, cut_off: new Date(), created_by: office.id, created_at: new Date(),
    rules: { minUnits: 3, dominance: 0.85, interval: 0.1 },
    report: { cells: 9, suppressed: 2, informationLoss: 0.1, linked: [], audit: { sensitive: 2, exact: 0, inside: 0, lps: 4 }, seconds: { load: 0, protect: 0, audit: 0, store: 0 } },
    ...over,
  });

  it('lists the releases with their protection report, the calendar and the form', async () => {
    const res = await agent.get('/stats');
    expect(res.status).toBe(200);
    expect(res.text).toContain('id="release-list"');
    expect(res.text).toContain(`data-release="${ids.q1r2}"`);
    expect(res.text).toContain('کاربر stats_office'); // who published revision 2
    expect(res.text).toContain('۱٫۲٪'); // information loss of the crafted report
    expect(res.text).toContain('حساس ۴، دقیق ۰، درون بازه ۰');
    expect(res.text).toContain('بهار ۱۴۰۴ <span class="text-secondary" dir="ltr">1404-Q1</span>');
    expect(res.text).toContain('id="release-calendar"');
    expect(res.text).toMatch(/data-period="\d{4}-Q[1-4]"/);
    expect(res.text).toContain('سررسید، منتشرنشده');
    // A released period links to its view; the publish select offers due periods only.
    expect(res.text).toContain('<a href="/stats/aggregates?period=1404-Q1&rows=province');
    const publishSelect = /<select[^>]*id="p-period"[\s\S]*?<\/select>/.exec(res.text)![0];
    expect(publishSelect).toContain('value="1404-Q1"');
    expect(publishSelect).not.toContain(`value="${periodOf(new Date()).slice(0, 4)}"`); // the year under way is not due
    expect(publishSelect).not.toContain(`value="${periodOf(new Date())}"`);
    expect(res.text).toContain('<form method="post" action="/stats/releases"');
    expect(res.text).toMatch(/action="\/stats\/releases"[\s\S]*name="_csrf"/);
  });

  it('queues a release as the signed-in user and answers at once; the worker publishes it through the engine and the list shows the outcome', async () => {
    const id = await insertRelease({ period: '1404-04', cells: smallCube(5n), createdBy: office.id });
    engine.next = async () => ({ ok: true, release: stored({ id }) });
    engine.calls.length = 0;
    const res = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '۱۴۰۴-۰۴' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/stats#jobs');
    expect(engine.calls).toHaveLength(0); // nothing built inside the request
    const job = await t.knex('stats_jobs').where({ kind: 'release', period: '1404-04' }).first();
    expect(job).toMatchObject({ state: 'queued', preliminary: false, created_by: office.id });
    const queuedPage = await agent.get('/stats');
    expect(queuedPage.text).toMatch(new RegExp(`data-job="${job.id}" data-state="queued"`));
    expect(queuedPage.text).toContain(`action="/stats/jobs/${job.id}/cancellation"`);
    expect(/<td[^>]*data-period="1404-04">[\s\S]*?<\/td>/.exec(queuedPage.text)![0]).toContain('در صف ساخت');
    // The same request again while it waits: refused, nothing queued twice.
    const twice = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-04' });
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('پیش‌تر در صف گذاشته شده');
    expect(Number((await t.knex('stats_jobs').where({ period: '1404-04' }).count('* as n').first())?.n)).toBe(1);

    const ran = await runNextJob();
    expect(ran?.end).toEqual({ state: 'done', releaseId: id });
    expect(engine.calls).toHaveLength(1);
    expect(engine.calls[0]).toMatchObject({ period: { code: '1404-04', kind: 'month' }, preliminary: false, userId: office.id });
    const poll = await agent.get(`/stats/jobs/${job.id}`).expect(200);
    expect(poll.body).toMatchObject({ state: 'done', state_label: 'انجام شد', progress: 1, release: { id } });
    const page = await agent.get('/stats');
    expect(page.text).toContain(`انتشار شماره ${faDigits(id)}`);
    // A finished job cannot be cancelled.
    const cancel = await agent.post(`/stats/jobs/${job.id}/cancellation`).type('form').send({ _csrf: csrf });
    expect(cancel.status).toBe(303);
    expect((await agent.get('/stats')).text).toContain('پایان یافته است');
  });

  it('a release the engine cannot protect: the job ends refused with the reason on the page, nothing recorded as published', async () => {
    engine.next = async () => ({ ok: false, reason: 'این انتشار ذخیره نشد: خانه‌های حساس این دوره با هیچ الگوی محرمانگی محافظت‌پذیر نیستند.' });
    const res = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-Q3', preliminary: 'true' });
    expect(res.status).toBe(303);
    const ran = await runNextJob();
    expect(ran?.end.state).toBe('refused');
    expect(engine.calls.at(-1)).toMatchObject({ period: { code: '1404-Q3' }, preliminary: true });
    const job = await t.knex('stats_jobs').where({ id: ran!.job.id }).first();
    expect(job).toMatchObject({ state: 'refused', release_id: null });
    const page = await agent.get('/stats');
    expect(page.text).toContain('خانه‌های حساس این دوره با هیچ الگوی محرمانگی محافظت‌پذیر نیستند');
    expect(/<td[^>]*data-period="1404-Q3">[\s\S]*?<\/td>/.exec(page.text)![0]).toContain('آخرین درخواست انجام نشد');
    const refused = await t.knex('audit_log').where({ action: 'stats.job_refused', target: `stats_job:${job.id}` }).first();
    expect(refused.details.reason).toContain('محافظت‌پذیر');
  });

  it('a queued job is cancelled at once and never runs', async () => {
    engine.calls.length = 0;
    await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-05' }).expect(303);
    const job = await t.knex('stats_jobs').where({ period: '1404-05' }).first();
    const res = await agent.post(`/stats/jobs/${job.id}/cancellation`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    expect((await t.knex('stats_jobs').where({ id: job.id }).first()).state).toBe('cancelled');
    expect(await runNextJob()).toBeNull();
    expect(engine.calls).toHaveLength(0);
    expect((await agent.post('/stats/jobs/999999/cancellation').type('form').send({ _csrf: csrf })).status).toBe(404);
  });

  it('refuses a period off the grid or not yet due, in Persian next to the field, without calling the engine; CSRF is required', async () => {
    engine.calls.length = 0;
    const bad = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-02..1404-05' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/id="p-period-error">دوره «1404-02..1404-05» شناخته نشد/);
    const future = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1420' });
    expect(future.status).toBe(422);
    expect(future.text).toContain('هنوز به پایان نرسیده است');
    const odd = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-01', preliminary: 'شاید' });
    expect(odd.status).toBe(422);
    expect(engine.calls).toHaveLength(0);
    const forged = await agent.post('/stats/releases').type('form').send({ period: '1404-01' });
    expect(forged.status).toBe(403);
    expect(engine.calls).toHaveLength(0);
    expect(Number((await t.knex('stats_jobs').whereIn('period', ['1420', '1404-01']).count('* as n').first())?.n)).toBe(0);
  });
});

describe('the API contract', () => {
  it('documents the view: period, preliminary, 400 off the grid, 404 without a release, money as integer or exact string', async () => {
    const doc = (await request(app).get('/api/docs/openapi.json').expect(200)).body;
    const op = doc.paths['/stats/aggregates'].get;
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['period', 'from', 'to', 'rows', 'cols', 'measure', 'preliminary', 'format']);
    expect(op.responses['400']['x-codes']).toEqual(['period_off_grid']);
    expect(op.responses['404']['x-codes']).toContain('no_release');
    const cell = op.responses['200'].content['application/json'].schema.properties.cells.items.properties;
    expect(cell.suppressed).toEqual({ type: 'boolean' });
    expect(cell.value.oneOf.map((o: { type: string }) => o.type)).toEqual(['integer', 'string', 'null']);
    expect(JSON.stringify(op)).not.toMatch(/primary|secondary/);
  });
});

describe('the release calendar', () => {
  it('the last 24 months, their quarters and years: due once the last month\'s deadline has passed, with their latest releases', async () => {
    const at = startOfJalaliDay({ jy: 1404, jm: 7, jd: 9 }); // the deadline of Shahrivar 1404 (the 8th of Mehr) has just passed
    const releases = await t.knex('releases').select('*');
    const cal = releaseCalendar(at, DEFAULT_RULES, releases);
    expect(cal.map((y) => y.year)).toEqual([1404, 1403, 1402]);
    const y1404 = cal[0];
    expect(y1404.months.map((m) => m && [m.code, m.due])).toEqual([
      ['1404-01', true], ['1404-02', true], ['1404-03', true], ['1404-04', true], ['1404-05', true], ['1404-06', true], null, null, null, null, null, null,
    ]);
    expect(y1404.quarters.map((q) => q && [q.code, q.due])).toEqual([['1404-Q1', true], ['1404-Q2', true], null, null]);
    expect(y1404.whole.due).toBe(false);
    expect(y1404.quarters[0]!.final!.id).toBe(ids.q1r2); // the latest revision
    expect(y1404.quarters[0]!.preliminary!.id).toBe(ids.q1p);
    expect(y1404.months[1]!.final!.id).toBe(ids.m02);
    expect(y1404.months[2]!.final).toBeNull();
    expect(cal[1].whole).toMatchObject({ code: '1403', due: true, final: null });
    expect(cal[2].months.slice(0, 6)).toEqual([null, null, null, null, null, null]); // 1402-01..06 are outside the 24 months
    expect(cal[2].months[6]!.code).toBe('1402-07');
    expect(releaseCalendar(startOfJalaliDay({ jy: 1404, jm: 7, jd: 8 }), DEFAULT_RULES, releases)[0].months[5]!.due).toBe(false); // still the deadline day
  });
});
