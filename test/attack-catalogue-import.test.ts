import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { importCatalogue } from '../src/catalogue/import.ts';

// Issue 23 F9 and F11: a catalogue file of over 65,535 rows crashed with a raw database error
// (PostgreSQL's bind-parameter limit); invalid UTF-8 became U+FFFD without a word; a UTF-16 file
// got a misleading message.

let t: TestDatabase;
beforeAll(async () => { t = await freshDatabase(); });
afterAll(async () => t.close());

const HEADER = 'code,name_fa,name_en,unit,active_from,retired_from';
const count = async () => Number((await t.knex('catalogue').count('* as n'))[0].n);

describe('a catalogue file of any size', () => {
  it('70,000 rows are imported in chunks, and a second import of it changes nothing', async () => {
    const n = 70_000;
    const lines = [HEADER];
    for (let i = 0; i < n; i++) lines.push(`1050${String(i).padStart(6, '0')},محصول ${i},Product ${i},تن,1404-01,`);
    const bytes = Buffer.from(lines.join('\n') + '\n', 'utf8');
    const before = await count();
    const first = await importCatalogue(bytes, { k: t.knex });
    expect(first).toMatchObject({ ok: true, rows: n, created: n, updated: 0 });
    expect(await count()).toBe(before + n);
    expect(await importCatalogue(bytes, { k: t.knex })).toMatchObject({ ok: true, rows: n, created: 0, updated: 0, unchanged: n });
  }, 240_000);
});

describe('a file that is not UTF-8', () => {
  it('a line that is not UTF-8 is named, with a Persian message, and nothing is imported or replaced', async () => {
    const before = await count();
    const good = Buffer.from(`${HEADER}\n1061100010,آرد گندم,Flour,تن,1404-01,\n`, 'utf8');
    // «شیر» in Windows-1256 (what Excel writes as "CSV" on a Persian Windows) on line 3.
    const bad = Buffer.concat([good, Buffer.from('1050100011,', 'ascii'), Buffer.from([0xd4, 0xed, 0xd1]), Buffer.from(',Milk,تن,1404-01,\n', 'utf8')]);
    const r = await importCatalogue(bad, { k: t.knex });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ line: 3 });
    expect(r.errors[0]!.reason).toContain('UTF-8');
    expect(r.errors[0]!.reason).toContain('فایل را با کدگذاری UTF-8 ذخیره کنید');
    expect(await count()).toBe(before);
    expect(await t.knex('catalogue').where({ code: '1061100010' }).first()).toBeUndefined();
  });

  it('a UTF-16 file (with or without its byte order mark) is refused as UTF-16', async () => {
    const text = `${HEADER}\n1061100010,آرد گندم,Flour,تن,1404-01,\n`;
    for (const bytes of [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), Buffer.from(text, 'utf16le')]) {
      const r = await importCatalogue(bytes, { k: t.knex });
      expect(r).toMatchObject({ ok: false, errors: [{ line: 1 }] });
      if (!r.ok) expect(r.errors[0]!.reason).toContain('UTF-16');
    }
    expect(await t.knex('catalogue').where({ code: '1061100010' }).first()).toBeUndefined();
  });

  it('a UTF-8 file with its byte order mark is read as before', async () => {
    const r = await importCatalogue(Buffer.from(`\ufeff${HEADER}\n1061100011,آرد,Flour,تن,1404-01,\n`, 'utf8'), { k: t.knex });
    expect(r).toMatchObject({ ok: true, created: 1 });
  });
});
