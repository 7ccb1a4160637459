import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { UNITS_PAGE_SIZE } from '../src/province/model.ts';
import { PICKER_LIMIT } from '../src/catalogue/routes.ts';
import { persianDigits } from '../src/text.ts';

// Issue 23, at national scale (100,000 units): /nominations was 14 MB of HTML for the Tehran
// officer, /province/priority 8.9 MB, /province/units silently showed 5,000 of Tehran's 16,582
// units, and the anonymous /register page embedded the whole catalogue (290 kB at 60,000 codes).
// Every list that grows with units is now a page of a counted, searchable whole.

let t: TestDatabase;
let app: ReturnType<typeof createApp>;
const N = 2 * UNITS_PAGE_SIZE + 5;
let officer: { email: string };
beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 1000 });
  for (let i = 0; i < N; i++) await createUnit({ province_code: '21', name: `کارخانه یزد ${String(i).padStart(3, '0')}`, obligation_start: '1403-01' });
  officer = await createUser({ role: 'province_officer', province_code: '21' });
}, 120_000);
afterAll(async () => t.close());

const rowsOf = (html: string, attr = 'data-unit-id') => [...html.matchAll(new RegExp(`${attr}="(\\d+)"`, 'g'))].map((m) => Number(m[1]));

describe('the province\'s units', () => {
  it('are paged by 100 with their true total, never cut; page links keep the search; past the end is the last page', async () => {
    const { agent } = await signIn(app, officer.email);
    const first = await agent.get('/province/units').expect(200);
    expect(rowsOf(first.text)).toHaveLength(UNITS_PAGE_SIZE);
    expect(first.text).toContain(`${persianDigits(N)} واحد`);
    expect(first.text).toContain('id="units-pages"');
    const seen = new Set(rowsOf(first.text));
    for (const p of [2, 3]) for (const id of rowsOf((await agent.get(`/province/units?page=${p}`).expect(200)).text)) seen.add(id);
    expect(seen.size).toBe(N);
    expect(rowsOf((await agent.get('/province/units?page=99').expect(200)).text)).toHaveLength(5);
    const found = await agent.get(`/province/units?q=${encodeURIComponent('یزد 204')}`).expect(200);
    expect(rowsOf(found.text)).toHaveLength(1);
  });
});

describe('the priority list and the candidates for nomination', () => {
  it('are paged and searchable, the rank kept from the whole province', async () => {
    const { agent } = await signIn(app, officer.email);
    const page = await agent.get('/province/priority').expect(200);
    expect(rowsOf(page.text)).toHaveLength(100);
    expect(page.text).toContain('id="priority-pages"');
    const found = await agent.get(`/province/priority?q=${encodeURIComponent('یزد 150')}`).expect(200);
    expect(rowsOf(found.text)).toHaveLength(1);
    const nominations = await agent.get('/nominations').expect(200);
    const candidates = (nominations.text.match(/<th scope="row">/g) ?? []).length;
    expect(candidates).toBe(100);
    expect(nominations.text).toContain('id="candidates-pages"');
    expect(nominations.text.length).toBeLessThan(200_000);
    const one = await agent.get(`/nominations?q=${encodeURIComponent('یزد 203')}`).expect(200);
    expect((one.text.match(/<th scope="row">/g) ?? []).length).toBe(1);
  });
});

describe('the registration form\'s product picker', () => {
  it('does not embed the catalogue; a small search answers what is typed, the unit\'s class first', async () => {
    await t.knex('catalogue').insert(Array.from({ length: 300 }, (_, i) => ({
      code: `${i % 2 ? '1050' : '1061'}${String(i).padStart(6, '0')}`, isic_class: i % 2 ? '1050' : '1061', name_fa: `فرآورده لبنی ${i}`, unit_of_measure_code: 't', active_from: '1400-01',
    })));
    const page = await request(app).get('/register').expect(200);
    expect(page.text).not.toContain('فرآورده لبنی');
    expect((page.text.match(/<datalist id="catalogue-list">([\s\S]*?)<\/datalist>/)?.[1] ?? '').trim()).toBe('');
    const res = await request(app).get(`/catalogue/search?q=${encodeURIComponent('فرآورده')}&isic=1050`).expect(200);
    expect(res.body.results).toHaveLength(PICKER_LIMIT);
    expect(res.body.results[0].code.startsWith('1050')).toBe(true);
    expect((await request(app).get('/catalogue/search?q=1').expect(200)).body.results).toEqual([]);
    // A code typed into the form comes back with its entry.
    expect(Object.keys(res.body.results[0])).toEqual(['code', 'name_fa', 'unit_name']);
  });
});
