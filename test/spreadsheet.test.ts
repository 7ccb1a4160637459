import { describe, it, expect } from 'vitest';
import ExcelJS from 'exceljs';
import { toCsv, toXlsx, type HistoryTable } from '../src/filings/export.ts';

// The unit's history in a spreadsheet: Rials exactly as stored, however large (issue 26: it
// wrote them through Number(), which rounds past 2^53).

const BIG = 12_345_678_901_234_567_891n; // past 2^53: a double would write …568000
const JUST_PAST = 2n ** 53n + 1n; // 9007199254740993: a double holds …992

async function read(buffer: Buffer): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  return wb.worksheets[0]!;
}

describe('the history file', () => {
  const table: HistoryTable = {
    headers: ['دوره', 'ارزش تولید (ریال)', 'تولید (تن)'],
    rows: [['1404-01', BIG, 12.345], ['1404-02', JUST_PAST, null], ['1404-03', 7_654_321, 0.5]],
  };

  it('writes Rials past 2^53 as their exact digits and smaller ones as numbers, in XLSX', async () => {
    const ws = await read(await toXlsx(table));
    expect(ws.views[0]!.rightToLeft).toBe(true);
    expect(ws.getRow(1).getCell(1).value).toBe('دوره');
    expect(ws.getRow(2).getCell(2).value).toBe(BIG.toString());
    expect(ws.getRow(3).getCell(2).value).toBe(JUST_PAST.toString());
    expect(ws.getRow(4).getCell(2).value).toBe(7_654_321);
    expect(ws.getRow(2).getCell(3).value).toBe(12.345);
    expect(ws.getRow(2).getCell(3).numFmt).toMatch(/0\.0##$/);
  });

  it('writes them exactly in CSV too', () => {
    const csv = toCsv(table);
    expect(csv).toContain(`1404-01,${BIG},12.345\r\n`);
    expect(csv).toContain(`1404-02,${JUST_PAST},\r\n`);
  });
});
