import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { csvField, csvText, csvCode } from '../src/export.ts';
import { rialsToMillions } from '../src/money.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { unitWithUser } from './support/factories.ts';

// One export module (issue 13): every CSV the portal writes defuses spreadsheet formulas, carries
// a BOM and CRLF, and every download is an attachment that is never cached.

describe('CSV text', () => {
  it('defuses text a spreadsheet would run, quotes what needs quoting, leaves numbers alone', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+98')).toBe("'+98");
    expect(csvField('-1')).toBe('-1'); // a negative figure as text is a number, not a formula
    expect(csvField('-1+2')).toBe("'-1+2");
    expect(csvField('-A1')).toBe("'-A1");
    expect(csvField(-1)).toBe('-1');
    expect(csvField(12345678901234567890n)).toBe('12345678901234567890');
    expect(csvField(null)).toBe('');
    expect(csvText([['a', 'b,c'], [1, null]])).toBe('\ufeffa,"b,c"\r\n1,\r\n');
  });

  it('a code is written as it is, nothing hidden in the cell (issue 27); anything but letters and digits is plain text with the formula guard', () => {
    expect(csvField(csvCode('00'))).toBe('00');
    expect(csvField(csvCode('0111'))).toBe('0111');
    expect(csvField(csvCode('IR'))).toBe('IR');
    expect(csvField(csvCode('=1+1'))).toBe("'=1+1");
    expect(csvField(csvCode('-5'))).toBe('-5'); // a number, not a formula
    expect(csvField(csvCode('-A1'))).toBe("'-A1");
    expect(csvField(csvCode('a,b'))).toBe('"a,b"');
    expect(csvText([[csvCode('05'), 'قم', 12]])).toBe('\ufeff05,قم,12\r\n');
  });
});

describe('millions of Rials', () => {
  it('rounds the exact amount half up to a whole million (a half away from zero for a negative value added)', () => {
    expect(rialsToMillions(0n)).toBe(0n);
    expect(rialsToMillions(499_999n)).toBe(0n);
    expect(rialsToMillions(500_000n)).toBe(1n);
    expect(rialsToMillions(1_499_999n)).toBe(1n);
    expect(rialsToMillions(2_500_000n)).toBe(3n);
    expect(rialsToMillions(-2_500_000n)).toBe(-3n);
    expect(rialsToMillions(-2_499_999n)).toBe(-2n);
    expect(rialsToMillions(2n ** 64n + 500_000n)).toBe((2n ** 64n + 500_000n + 500_000n) / 1_000_000n);
  });
});

describe('downloads', () => {
  let t: TestDatabase;
  let app: App;
  beforeAll(async () => { ({ t, app } = await freshApp()); });
  afterAll(() => t.close());

  it('the filing history goes through the same writer: an attachment, never cached, no field a spreadsheet would run', async () => {
    const { agent } = await unitWithUser(app, { products: [{ name: '=cmd|calc', unit_of_measure: 'تن', annual_capacity: 100 }] });
    const res = await agent.get('/dashboard/history.csv').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="history-\d+\.csv"$/);
    expect(res.text.startsWith('\ufeff')).toBe(true);
    expect(res.text).toContain('تولید =cmd|calc (تن)');
    expect(res.text).not.toMatch(/(^|,)"?[=+@]/m);
  });
});
