import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn, csrfFrom } from './support/factories.ts';
import { periodRange, type Period } from '../src/calendar.ts';
import { scoresSql } from '../src/verifications/score.ts';
import { hbFit, hbDistance } from '../src/filings/hidiroglou-berthelot.ts';
import { median } from '../src/filings/warnings.ts';

// Issue 24: selective editing. Ordinary synthetic filings (each unit steady around its own level,
// ± 15 %) with four injected errors: production value × 1,000 and × 0.001, employees × 10, a
// price × 100. The injected ones must head the queue, each with its reason in Persian.

let t: TestDatabase;
let app: App;
let officer: { id: number; email: string };
const PROVINCE = '21';
const NOW: Period = '1405-06';
const HISTORY = periodRange('1404-12', '1405-05');
const CLASSES = ['1050', '2394', '2410'];
const injected: Record<string, number> = {};
const ordinary: number[] = [];

/** Deterministic noise in [−1, 1). */
const noise = (i: number, j: number) => ((Math.sin(i * 12.9898 + j * 78.233) * 43758.5453) % 1 + 1) % 1 * 2 - 1;

beforeAll(async () => {
  ({ t, app } = await freshApp());
  officer = await createUser({ role: 'province_officer', province_code: PROVINCE });
  const kinds = ['pv×1000', 'pv×0.001', 'employees×10', 'price×100'];
  const filings: Record<string, unknown>[] = [];
  const lineOf = new Map<string, { product_id: number; produced: number; sold: number; sales_value: number }>();
  for (let i = 0; i < 60; i++) {
    const u = await createUnit({ province_code: PROVINCE, isic_class: CLASSES[i % 3], obligation_start: '1404-01', name: `واحد ساختگی ${i}` });
    const size = 10 ** (8 + (i % 5)) * (1 + (i % 7));
    const staff = 20 + (i % 11) * 15;
    const kind = i % 15 === 7 ? kinds[(i - 7) / 15] : null;
    for (const [j, period] of [...HISTORY, NOW].entries()) {
      const current = period === NOW;
      const f = 1 + 0.15 * noise(i, j);
      const pv = Math.round(size * f * (current && kind === 'pv×1000' ? 1000 : current && kind === 'pv×0.001' ? 0.001 : 1));
      const sold = Math.round(100 * f);
      // Sales and production value are of one order, as in a real unit.
      const price = (size / 100) * (1 + 0.05 * noise(j, i)) * (current && kind === 'price×100' ? 100 : 1);
      filings.push({
        unit_id: u.id, period, state: current ? 'submitted' : 'verified',
        employees: Math.round(staff * (1 + 0.03 * noise(j, i + 1))) * (current && kind === 'employees×10' ? 10 : 1),
        production_value: pv, intermediate_consumption: Math.round(pv * 0.5), warnings: '[]',
        first_submitted_at: new Date(Date.UTC(2026, j, 1 + (i % 28))), submitted_at: new Date(Date.UTC(2026, j, 1 + (i % 28))),
        verified_at: current ? null : new Date(Date.UTC(2026, j, 2 + (i % 28))), revision: 1,
      });
      lineOf.set(`${u.id}:${period}`, { product_id: u.productIds[0], produced: sold, sold, sales_value: Math.round(sold * price) });
    }
    if (kind) injected[kind] = u.id;
    else ordinary.push(u.id);
  }
  const rows: { id: number; unit_id: number; period: string }[] = await t.knex('filings').insert(filings).returning(['id', 'unit_id', 'period']);
  await t.knex('filing_lines').insert(rows.map((r) => ({ filing_id: r.id, ...lineOf.get(`${r.unit_id}:${r.period}`)! })));
  // From here on, unit ids of the injected units → their filing ids of NOW.
  for (const [kind, unitId] of Object.entries(injected)) injected[kind] = rows.find((r) => r.unit_id === unitId && r.period === NOW)!.id;
});
afterAll(() => t.close());

const idsOf = (html: string) => [...html.matchAll(/data-filing-id="(\d+)"/g)].map((m) => Number(m[1]));

describe('selective editing: the queue by score', () => {
  it('the four injected errors rank first, each with its reason in Persian', async () => {
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get('/province/queue').expect(200);
    const order = idsOf(res.text);
    expect(order).toHaveLength(50);
    expect(new Set(order.slice(0, 4))).toEqual(new Set(Object.values(injected)));
    const row = (id: number) => new RegExp(`data-filing-id="${id}"[\\s\\S]*?</tr>`).exec(res.text)![0];
    expect(row(injected['pv×1000'])).toMatch(/ارزش تولید [۰-۹٬]+ برابر میانه ماه‌های قبل؛ [۰-۹٬٫]+٪ کل استان در این رشته/);
    expect(row(injected['pv×0.001'])).toMatch(/ارزش تولید ۰٫۰+۱ برابر میانه ماه‌های قبل/);
    expect(row(injected['employees×10'])).toMatch(/تعداد کارکنان (۹٫۹|۱۰|۱۰٫۱) برابر میانه ماه‌های قبل/);
    expect(row(injected['price×100'])).toMatch(/ارزش فروش به قیمت این ماه [۰-۹٬٫]+ برابر میانه ماه‌های قبل/);
    expect(res.text).toContain('قابل تأیید گروهی');
  });

  it('arrival order is one click away and keeps the oldest first', async () => {
    const { agent } = await signIn(app, officer.email);
    const byScore = await agent.get('/province/queue').expect(200);
    expect(byScore.text).toContain('href="/province/queue?state=submitted&amp;order=arrival"');
    const arrival = idsOf((await agent.get('/province/queue?order=arrival').expect(200)).text);
    const firsts = await t.knex('filings').whereIn('id', arrival).orderBy([{ column: 'submitted_at' }, { column: 'id' }]).pluck('id');
    expect(arrival).toEqual(firsts);
  });

  it('the SQL Hidiroglou–Berthelot distance agrees with the one the checks use', async () => {
    const scores: { id: number; measure: string; hb: number }[] = (await t.knex.raw(`select * from (${scoresSql(t.knex, PROVINCE, 3).toQuery()}) s`)).rows;
    const now = await t.knex('filings as f').join('units as u', 'u.id', 'f.unit_id').where({ 'f.period': NOW, 'u.isic_class': '2394' })
      .select('f.id', 'f.unit_id', 'f.employees');
    const hist = await t.knex('filings').whereIn('unit_id', now.map((r) => r.unit_id)).whereIn('period', HISTORY).select('unit_id', 'employees');
    const pairs = now.map((r) => [Number(r.employees), median(hist.filter((h) => h.unit_id === r.unit_id).map((h) => Number(h.employees)))] as [number, number]);
    const fit = hbFit(pairs)!;
    // Employees are the measure whose reason the injected price or value does not override in this class.
    const sqlHb = new Map(scores.map((s) => [s.id, s]));
    let compared = 0;
    now.forEach((r, i) => {
      const s = sqlHb.get(r.id);
      if (s?.measure !== 'employees') return;
      expect(Number(s.hb)).toBeCloseTo(hbDistance(fit, pairs[i][0], pairs[i][1]), 6);
      compared++;
    });
    expect(compared).toBeGreaterThan(0);
  });

  it('bulk verification below the threshold verifies the ordinary filings and leaves the injected ones waiting', async () => {
    const { agent } = await signIn(app, officer.email);
    const page = await agent.get('/province/queue').expect(200);
    const scores: { id: number; score: number }[] = (await t.knex.raw(`select * from (${scoresSql(t.knex, PROVINCE, 3).toQuery()}) s`)).rows;
    const below = scores.filter((s) => Number(s.score) < 0.05).map((s) => s.id).sort((a, b) => a - b);
    expect(below.length).toBeGreaterThan(20);
    await agent.post('/province/queue/bulk-verification').type('form').send({ _csrf: csrfFrom(page.text), all: 'below' }).expect(303);
    const waiting = await t.knex('filings').where({ state: 'submitted' }).pluck('id');
    for (const id of Object.values(injected)) expect(waiting).toContain(id);
    const verifiedNow = await t.knex('filings').where({ period: NOW, state: 'verified' }).orderBy('id').pluck('id');
    expect(verifiedNow).toEqual(below);
    // Every bulk decision is audited like a single one.
    expect(Number((await t.knex('audit_log').where({ action: 'filing.verify' }).count('* as n').first())!.n)).toBe(below.length);
  });
});

describe('the province page: verified share of production value per day', () => {
  it('shows the latest due period\'s verified share at the end of each day, from this province\'s filings only', async () => {
    const { latestDuePeriod } = await import('../src/calendar.ts');
    const due = latestDuePeriod(new Date());
    const a = await createUnit({ province_code: '29' });
    const b = await createUnit({ province_code: '29' });
    const elsewhere = await createUnit({ province_code: '28' });
    const yesterday = new Date(Date.now() - 86400_000);
    await t.knex('filings').insert([
      { unit_id: a.id, period: due, state: 'verified', production_value: 300, intermediate_consumption: 0, first_submitted_at: yesterday, submitted_at: yesterday, verified_at: yesterday, revision: 1 },
      { unit_id: b.id, period: due, state: 'submitted', production_value: 100, intermediate_consumption: 0, first_submitted_at: yesterday, submitted_at: yesterday, revision: 1 },
      { unit_id: elsewhere.id, period: due, state: 'verified', production_value: 9_000, intermediate_consumption: 0, first_submitted_at: yesterday, submitted_at: yesterday, verified_at: yesterday, revision: 1 },
    ]);
    const khorasan = await createUser({ role: 'province_officer', province_code: '29' });
    const { agent } = await signIn(app, khorasan.email);
    const page = await agent.get('/province').expect(200);
    const shares = [...page.text.matchAll(/data-share="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(shares).toHaveLength(14);
    expect(shares[0]).toBe(0.75); // today (newest first): 300 of 400
    expect(shares.at(-1)).toBe(0); // two weeks ago: nothing verified yet
    expect(page.text).toContain('۷۵٪');
  });
});
