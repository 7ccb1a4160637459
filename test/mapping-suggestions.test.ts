import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { importCatalogue } from '../src/catalogue/import.ts';
import { suggestionsFor, similarity } from '../src/catalogue/mapping.ts';

// Issue 23: a page's suggestions are ranked once per spelling, class, month and catalogue
// (mapping_suggestions, migration 251), not on every view. A kept ranking must always be the one
// the ranking gives now: any write to the catalogue (a code added, renamed, retired, removed)
// makes every kept ranking stale, and a name shown is the code's name now.

let t: TestDatabase;
const CATALOGUE = `code,name_fa,name_en,unit,active_from,retired_from
1050100010,شیر پاستوریزه,Pasteurised milk,تن,1400-01,
1050100020,ماست,Yoghurt,تن,1400-01,
1050100030,شیر کم چرب,Low-fat milk,تن,1400-01,
1520100010,کفش چرمی,Leather footwear,هزار جفت,1400-01,
`;

beforeAll(async () => {
  t = await freshDatabase();
  const r = await importCatalogue(CATALOGUE, { k: t.knex });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
});
afterAll(() => t.close());

const groups = [{ key: 'شیرپاستوریزهکمچرب', main_isic: '1050' }, { key: 'کفشچرمیمردانه', main_isic: '1520' }, { key: 'zzzz', main_isic: '1050' }];

/** The reference: every code in force scored by similarity() and the class, best five above 0.2. */
async function reference(key: string, cls: string) {
  const codes: { code: string; isic_class: string; key: string }[] = (await t.knex.raw(`select code, isic_class, catalogue_key(name_fa) as key from catalogue where retired_from is null`)).rows;
  return codes.map((c) => ({ code: c.code, score: similarity(key, c.key) + (c.isic_class === cls ? 0.15 : 0) }))
    .filter((s) => s.score > 0.2).sort((a, b) => b.score - a.score || a.code.localeCompare(b.code)).slice(0, 5).map((s) => s.code);
}

async function expectTheRanking() {
  const got = await suggestionsFor(groups, t.knex);
  for (const g of groups) expect(got.get(g.key)!.map((s) => s.code), g.key).toEqual(await reference(g.key, g.main_isic));
  return got;
}

describe('kept suggestions', () => {
  it('are ranked once, then read; the same as ranking them again', async () => {
    await expectTheRanking();
    expect(Number((await t.knex('mapping_suggestions').count('* as n'))[0].n)).toBe(3);
    // A kept ranking is read, not ranked again: mark one and see the mark come back.
    await t.knex('mapping_suggestions').where({ key: 'zzzz' }).update({ suggestions: JSON.stringify([{ code: '1050100020', score: 0.5 }]) });
    expect((await suggestionsFor(groups, t.knex)).get('zzzz')!.map((s) => s.code)).toEqual(['1050100020']);
    await t.knex('mapping_suggestions').where({ key: 'zzzz' }).update({ suggestions: '[]' });
  });

  it('follow every write to the catalogue: a code added, renamed, retired and removed', async () => {
    await t.knex('catalogue').insert({ code: '1050100040', isic_class: '1050', name_fa: 'شیر پاستوریزه کم چرب', unit_of_measure_code: 't', active_from: '1400-01' });
    const added = await expectTheRanking();
    expect(added.get('شیرپاستوریزهکمچرب')![0]!.code).toBe('1050100040');
    await t.knex('catalogue').where({ code: '1050100040' }).update({ name_fa: 'پنیر' });
    await expectTheRanking();
    await t.knex('catalogue').where({ code: '1050100010' }).update({ name_fa: 'شیر پاستوریزه ممتاز' });
    const renamed = await expectTheRanking();
    expect(renamed.get('شیرپاستوریزهکمچرب')!.find((s) => s.code === '1050100010')?.name_fa).toBe('شیر پاستوریزه ممتاز');
    await t.knex('catalogue').where({ code: '1050100030' }).update({ retired_from: '1401-01' });
    await expectTheRanking();
    await t.knex('catalogue').where({ code: '1050100040' }).delete();
    await expectTheRanking();
  });
});
