import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn, csrfFrom, unitWithUser } from './support/factories.ts';
import { deadlineOf, DEFAULT_RULES, jdatetime } from '../src/calendar.ts';
import { formBody, period, NOW_PERIOD } from './filings-helpers.ts';
import { submittedNow } from './support/filings.ts';
import { countdownText } from '../src/filings/routes.ts';
import { filingRecords } from '../src/eligibility/record.ts';
import { fa, faPct } from '../src/numbers.ts';

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());


const filingOf = (unitId: number, p: string) => t.knex('filings').where({ unit_id: unitId, period: p }).first();

describe('the filing form (DESIGN §5)', () => {
  it('shows one row per product of the unit, and saves a draft typed with Persian digits and separators', async () => {
    const { unit, agent, csrf } = await unitWithUser(app, { products: [
      { name: 'شیر پاستوریزه', unit_of_measure: 'تن', annual_capacity: 1200 },
      { name: 'ماست', unit_of_measure: 'تن', annual_capacity: 600 },
    ] });
    const page = await agent.get(`/filings/${NOW_PERIOD}`).expect(200);
    expect(page.text).toContain('شیر پاستوریزه');
    expect(page.text).toContain('ماست');
    expect(page.text).toContain('name="base_revision" value="0"');
    const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form')
      .send(formBody(csrf, unit.productIds, { production_value: '۱٬۲۰۰٬۰۰۰', intermediate_consumption: '٤٠٠,٠٠٠', lines: [{ produced: '۸۰٫۵' }, {}] }, { action: 'draft' }));
    expect(res.status).toBe(303);
    const f = await filingOf(unit.id, NOW_PERIOD);
    expect(f.state).toBe('draft');
    expect(f.revision).toBe(0);
    expect(f.first_submitted_at).toBeNull();
    expect(f.tracking_code).toBeNull();
    expect(Number(f.production_value)).toBe(1_200_000);
    expect(Number(f.value_added)).toBe(800_000);
    const line = await t.knex('filing_lines').where({ filing_id: f.id, product_id: unit.productIds[0] }).first();
    expect(Number(line.produced)).toBe(80.5);
    expect(await t.knex('filing_revisions').where({ filing_id: f.id })).toHaveLength(0);
    const again = await agent.get(`/filings/${NOW_PERIOD}`).expect(200);
    expect(again.text).toContain('۸۰۰٬۰۰۰ ریال');
  });

  it('a draft may leave fields empty; a submission may not, and the form keeps every typed value', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(formBody(csrf, unit.productIds, { employees: '' }, { action: 'draft' })).expect(303);
    const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form')
      .send(formBody(csrf, unit.productIds, { employees: '', production_value: '-5', lines: [{ produced: 'abc', sold: '۱۲۳٬۴۵۶' }] }, { action: 'submit', base_revision: '0' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('شمار کارکنان را وارد کنید.');
    expect(res.text).toContain('ارزش تولید نمی‌تواند منفی باشد.');
    expect(res.text).toContain('مقدار تولید باید عدد باشد.');
    expect(res.text).toContain('value="abc"');
    expect(res.text).toContain('value="۱۲۳٬۴۵۶"');
    expect(res.text).toContain('value="-5"');
    expect((await filingOf(unit.id, NOW_PERIOD)).state).toBe('draft');
  });

  it('submitting on time: tracking code, first revision, receipt with the Jalali time and "on time"', async () => {
    const { unit, user, agent, csrf } = await unitWithUser(app);
    const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit', base_revision: '0' }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/filings/${NOW_PERIOD}/receipt`);
    const f = await filingOf(unit.id, NOW_PERIOD);
    expect(f.state).toBe('submitted');
    expect(f.revision).toBe(1);
    expect(f.tracking_code).toMatch(/^[A-Z2-9]{10}$/);
    expect(f.first_submitted_at).not.toBeNull();
    const revs = await t.knex('filing_revisions').where({ filing_id: f.id });
    expect(revs).toHaveLength(1);
    expect(revs[0]).toMatchObject({ revision: 1, user_id: user.id, via: 'form' });
    expect(revs[0].snapshot.production_value).toBe(1_200_000);
    const receipt = await agent.get(`/filings/${NOW_PERIOD}/receipt`).expect(200);
    expect(receipt.text).toContain(f.tracking_code);
    expect(receipt.text).toContain('به‌موقع');
    expect(receipt.text).toContain('وزارت صنعت، معدن و تجارت');
    expect(receipt.text).toMatch(/id="printed-at">[۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2} ساعت/);
    expect(receipt.text).toMatch(/[۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2} ساعت [۰-۹]{2}:[۰-۹]{2}/);
    expect(receipt.text).toContain('data-print');
  });

  it('a period submitted after its deadline is late', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    const p = period(-3);
    expect(deadlineOf(p, DEFAULT_RULES).getTime()).toBeLessThan(Date.now());
    await agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit', base_revision: '0' })).expect(303);
    const receipt = await agent.get(`/filings/${p}/receipt`).expect(200);
    expect(receipt.text).toContain('با تأخیر');
    expect(receipt.text).not.toContain('>به‌موقع<');
  });

  it('refuses a period that has not begun and one before the obligation start, with a clear message', async () => {
    const { unit, agent, csrf } = await unitWithUser(app, { obligation_start: period(-6) });
    const future = period(1);
    const r1 = await agent.get(`/filings/${future}`);
    expect(r1.status).toBe(400);
    expect(r1.text).toContain('هنوز آغاز نشده');
    const r2 = await agent.post(`/filings/${future}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit' }));
    expect(r2.status).toBe(400);
    const early = period(-7);
    const r3 = await agent.post(`/filings/${early}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'draft' }));
    expect(r3.status).toBe(400);
    expect(r3.text).toContain('پیش از آغاز تکلیف');
    expect(await t.knex('filings').where({ unit_id: unit.id })).toHaveLength(0);
    await agent.get('/filings/1404-13').expect(404);
  });
});

describe('warnings must be confirmed before submission', () => {
  it('over capacity: listed, nothing stored until confirmed, then stored with the filing', async () => {
    const { unit, agent, csrf } = await unitWithUser(app); // 1 200 a year → 100 a month; warning above 150
    const body = (extra: Record<string, string>) => formBody(csrf, unit.productIds, { lines: [{ produced: '۱۶۰', sold: '۱۰۰' }] }, { action: 'submit', base_revision: '0', ...extra });
    const r1 = await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(body({}));
    expect(r1.status).toBe(422);
    expect(r1.text).toContain('ظرفیت اسمی ماهانه');
    expect(r1.text).toContain('value="۱۶۰"');
    expect(await filingOf(unit.id, NOW_PERIOD)).toBeUndefined();
    const seen = /name="warnings_seen" value="([^"]*)"/.exec(r1.text)?.[1] ?? '';
    expect(seen).toBe('over_capacity:lines.0.produced');
    // Confirming a warning the user was not shown does not count.
    const r2 = await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(body({ confirm_warnings: '1', warnings_seen: '' }));
    expect(r2.status).toBe(422);
    const r3 = await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(body({ confirm_warnings: '1', warnings_seen: seen }));
    expect(r3.status).toBe(303);
    const f = await filingOf(unit.id, NOW_PERIOD);
    expect(f.state).toBe('submitted');
    expect(f.warnings).toEqual([expect.objectContaining({ code: 'over_capacity', field: 'lines.0.produced' })]);
  });

  it('at capacity × 1.5 exactly there is no warning; a draft over it is saved with its warning shown', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    await agent.post(`/filings/${period(-1)}`).type('form').send(formBody(csrf, unit.productIds, { lines: [{ produced: '150', sold: '100' }] }, { action: 'submit', base_revision: '0' })).expect(303);
    expect((await filingOf(unit.id, period(-1))).warnings).toEqual([]);
    await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(formBody(csrf, unit.productIds, { lines: [{ produced: '151', sold: '100' }] }, { action: 'draft' })).expect(303);
    const f = await filingOf(unit.id, NOW_PERIOD);
    expect(f.state).toBe('draft');
    expect(f.warnings.map((w: { code: string }) => w.code)).toEqual(['over_capacity']);
    const page = await agent.get(`/filings/${NOW_PERIOD}`);
    expect(page.text).toContain('id="confirm-warnings"');
  });

  it('against the unit\'s own 12-month median: above 3×, below ⅓, and silent without history', async () => {
    const { unit, agent, csrf } = await unitWithUser(app, { products: [{ name: 'سیمان', unit_of_measure: 'تن', annual_capacity: 0 }] });
    const pid = unit.productIds[0];
    // Only two earlier periods: no median yet.
    await submittedNow({ unitId: unit.id, period: period(-3), productionValue: 1_000_000, lines: [{ product_id: pid, produced: 100, sold: 100, sales_value: 1000 }] });
    await submittedNow({ unitId: unit.id, period: period(-2), productionValue: 1_000_000, lines: [{ product_id: pid, produced: 100, sold: 100, sales_value: 1000 }] });
    const submit = (p: string, pv: string, produced: string) => agent.post(`/filings/${p}`).type('form')
      .send(formBody(csrf, [pid], { production_value: pv, intermediate_consumption: '0', lines: [{ produced, sold: '0', sales_value: '0' }] }, { action: 'submit', base_revision: '0' }));
    const quiet = await submit(period(-1), '5000000', '500');
    expect(quiet.status).toBe(303);
    // Now history 100, 100, 500 (median 100) and values 1M, 1M, 5M (median 1M).
    const high = await submit(NOW_PERIOD, '3100000', '301');
    expect(high.status).toBe(422);
    expect(high.text).toMatch(/ارزش تولید .* بیش از ۳ برابر میانه/);
    expect(high.text).toMatch(/تولید «سیمان» .* بیش از ۳ برابر میانه/);
    const low = await submit(NOW_PERIOD, '300000', '33');
    expect(low.status).toBe(422);
    expect(low.text).toContain('تقسیم بر ۳');
    const fine = await submit(NOW_PERIOD, '2900000', '290');
    expect(fine.status).toBe(303);
  });

  it('sold more than produced plus stock carried from earlier filings', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    const pid = unit.productIds[0];
    await submittedNow({ unitId: unit.id, period: period(-2), lines: [{ product_id: pid, produced: 100, sold: 70, sales_value: 1000 }] }); // stock 30
    const post = (sold: string) => agent.post(`/filings/${NOW_PERIOD}`).type('form')
      .send(formBody(csrf, [pid], { lines: [{ produced: '50', sold }] }, { action: 'submit', base_revision: '0' }));
    const over = await post('81');
    expect(over.status).toBe(422);
    expect(over.text).toContain('موجودی انبار');
    expect((await post('80')).status).toBe(303);
  });
});

describe('revisions and the filing\'s life', () => {
  it('a correction is a new revision listing the changed fields; timeliness stays that of the first submission', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    const p = period(-2);
    await agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, { employees: '12' }, { action: 'submit', base_revision: '0' })).expect(303);
    // Pretend the first submission was on time (before the deadline).
    const onTime = new Date(deadlineOf(p, DEFAULT_RULES).getTime() - 86_400_000);
    await t.knex('filings').where({ unit_id: unit.id, period: p }).update({ first_submitted_at: onTime });
    const res = await agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, { employees: '۱۵', lines: [{ produced: '90' }] }, { action: 'submit', base_revision: '1' }));
    expect(res.status).toBe(303);
    const f = await filingOf(unit.id, p);
    expect(f.revision).toBe(2);
    expect(f.state).toBe('submitted');
    expect(f.first_submitted_at.getTime()).toBe(onTime.getTime());
    expect(f.submitted_at.getTime()).toBeGreaterThan(onTime.getTime());
    const rev = await t.knex('filing_revisions').where({ filing_id: f.id, revision: 2 }).first();
    expect(rev.changes).toEqual([
      { field: 'employees', old: 12, new: 15 },
      { field: `lines.${unit.productIds[0]}.produced`, old: 80, new: 90 },
    ]);
    const receipt = await agent.get(`/filings/${p}/receipt`);
    expect(receipt.text).toContain('>به‌موقع<');
    const history = await agent.get(`/filings/${p}/revisions`).expect(200);
    expect(history.text).toContain('شمار کارکنان');
    expect(history.text).toContain('۱۲');
    expect(history.text).toContain('۱۵');
    expect(history.text).toContain('مقدار تولید «شیر پاستوریزه»');
  });

  it('a filing stored without a revision snapshot (imported) is diffed against its stored figures', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    const p = period(-4);
    await submittedNow({ unitId: unit.id, period: p, lines: [{ product_id: unit.productIds[0], produced: 80, sold: 70, sales_value: 1000 }] });
    await agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, { employees: '10', production_value: '1000000', intermediate_consumption: '400000', lines: [{ produced: '80', sold: '70', sales_value: '1000' }] }, { action: 'submit', base_revision: '1' })).expect(303);
    expect((await filingOf(unit.id, p)).revision).toBe(1);
    await agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, { employees: '11', production_value: '1000000', intermediate_consumption: '400000', lines: [{ produced: '80', sold: '70', sales_value: '1000' }] }, { action: 'submit', base_revision: '1' })).expect(303);
    const f = await filingOf(unit.id, p);
    const rev = await t.knex('filing_revisions').where({ filing_id: f.id, revision: 2 }).first();
    expect(rev.changes).toEqual([{ field: 'employees', old: 10, new: 11 }]);
  });

  it('a correction with nothing changed adds no revision', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit', base_revision: '0' })).expect(303);
    await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit', base_revision: '1' })).expect(303);
    expect((await filingOf(unit.id, NOW_PERIOD)).revision).toBe(1);
  });

  it('a stale tab (older base revision) is refused with 409 and keeps what was typed', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit', base_revision: '0' })).expect(303);
    const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form').send(formBody(csrf, unit.productIds, { employees: '۴۴' }, { action: 'submit', base_revision: '0' }));
    expect(res.status).toBe(409);
    expect(res.text).toContain('value="۴۴"');
    expect(res.text).toContain('name="base_revision" value="1"');
    expect(res.text).toContain('اکنون نسخه ۱ است');
    expect((await filingOf(unit.id, NOW_PERIOD)).employees).toBe(12);
  });

  it('a returned filing is corrected and resubmitted: state submitted, reason cleared, timeliness kept', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    const p = period(-1);
    await submittedNow({ unitId: unit.id, period: p, state: 'returned', returnReason: 'ارزش فروش با مقدار فروش نمی‌خواند', lines: [{ product_id: unit.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    const page = await agent.get(`/filings/${p}`).expect(200);
    expect(page.text).toContain('ارزش فروش با مقدار فروش نمی‌خواند');
    const dash = await agent.get('/dashboard').expect(200);
    expect(dash.text).toContain('ارزش فروش با مقدار فروش نمی‌خواند');
    const before = await filingOf(unit.id, p);
    await agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit', base_revision: '1' })).expect(303);
    const f = await filingOf(unit.id, p);
    expect(f).toMatchObject({ state: 'submitted', revision: 2, return_reason: null });
    expect(f.first_submitted_at.getTime()).toBe(before.first_submitted_at.getTime());
  });

  it('a verified filing is locked for the unit: clear Persian refusal, nothing changes', async () => {
    const { unit, agent, csrf } = await unitWithUser(app);
    const p = period(-1);
    await submittedNow({ unitId: unit.id, period: p, state: 'verified', lines: [{ product_id: unit.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    const page = await agent.get(`/filings/${p}`).expect(200);
    expect(page.text).toContain('قفل است');
    const res = await agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, { employees: '99' }, { action: 'submit', base_revision: '1' }));
    expect(res.status).toBe(409);
    expect(res.text).toContain('تأیید شده و قفل است');
    expect(res.text).toContain('value="99"');
    expect((await filingOf(unit.id, p)).employees).toBe(10);
  });

  it('submitting one of the latest due periods makes an inactive unit active at once', async () => {
    const { unit, agent, csrf } = await unitWithUser(app, { status: 'inactive' });
    const due = await import('../src/calendar.ts').then((c) => c.latestDuePeriod(new Date(), DEFAULT_RULES));
    await agent.post(`/filings/${due}`).type('form').send(formBody(csrf, unit.productIds, {}, { action: 'submit', base_revision: '0' })).expect(303);
    expect((await t.knex('units').where({ id: unit.id }).first()).status).toBe('active');
    expect(await t.knex('unit_status_changes').where({ unit_id: unit.id, new_status: 'active' })).toHaveLength(1);
  });
});

describe('the unit\'s dashboard', () => {
  it('puts a returned filing first, and the form of a period past its deadline says it will count as late', async () => {
    const { unit, agent } = await unitWithUser(app, { obligation_start: period(-4) });
    await submittedNow({ unitId: unit.id, period: period(-3), state: 'returned', returnReason: 'ارقام ناهمخوان', lines: [{ product_id: unit.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    const res = await agent.get('/dashboard').expect(200);
    const actions = [...res.text.matchAll(/data-action="([^"]+)"/g)].map((m) => m[1]);
    expect(actions[0]).toBe('returned');
    expect(res.text).toContain('۱ اظهارنامه عودت شده — اصلاح کنید');
    const late = await agent.get(`/filings/${period(-4)}`).expect(200);
    expect(late.text).toContain('id="late-notice"');
    expect(late.text).toContain('«با تأخیر» شمرده می‌شود');
    const onTime = await agent.get(`/filings/${NOW_PERIOD}`).expect(200);
    expect(onTime.text).not.toContain('id="late-notice"');
  });

  it('counts down to the deadline in Persian', () => {
    const at = new Date('2025-10-20T00:00:00Z');
    const plus = (ms: number) => new Date(at.getTime() + ms);
    expect(countdownText(plus((3 * 24 + 5) * 3600_000 + 59_000), at)).toBe('۳ روز و ۵ ساعت مانده');
    expect(countdownText(plus(2 * 24 * 3600_000), at)).toBe('۲ روز مانده');
    expect(countdownText(plus(5 * 3600_000 + 12 * 60_000), at)).toBe('۵ ساعت و ۱۲ دقیقه مانده');
    expect(countdownText(plus(-1), at)).toBe('مهلت گذشته است');
  });

  it('lists every period from the obligation start to the current month', async () => {
    const { agent } = await unitWithUser(app, { obligation_start: period(-5) });
    const res = await agent.get('/filings').expect(200);
    const periods = [...res.text.matchAll(/data-period="([^"]+)"/g)].map((m) => m[1]);
    expect(periods).toEqual([0, -1, -2, -3, -4, -5].map(period));
  });

  it('shows status, the next actions in order, the current period with a Persian countdown, periods newest first, and reminders', async () => {
    const { unit, agent } = await unitWithUser(app, { obligation_start: period(-4) });
    await submittedNow({ unitId: unit.id, period: period(-2), lines: [{ product_id: unit.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    await t.knex('reminders').insert({ unit_id: unit.id, period: period(-1), deadline: deadlineOf(period(-1), DEFAULT_RULES) });
    const res = await agent.get('/dashboard').expect(200);
    expect(res.text).toMatch(/id="countdown">[۰-۹]+ (روز|ساعت|دقیقه)[^<]*مانده</);
    expect(res.text).toContain('فعال');
    expect(res.text).toContain('یادآوری');
    const order = [...res.text.matchAll(/data-period="([^"]+)" data-state="([^"]+)" data-timeliness="([^"]+)"/g)].map((m) => [m[1], m[3]]);
    expect(order.map(([p]) => p)).toEqual([0, -1, -2, -3, -4].map(period));
    expect(order.find(([p]) => p === period(-2))?.[1]).not.toBe('missing');
    const actions = [...res.text.matchAll(/data-action="([^"]+)"/g)].map((m) => m[1]);
    expect(actions[actions.length - 1]).toBe('missing');
    expect(res.text).toMatch(/ماه ثبت‌نشده — هرچه زودتر ثبت کنید/);
    // The record, the submission time and the reminder's deadline as the record's own query and the
    // calendar give them (the page reads all three in one statement).
    const [record] = await filingRecords({ at: new Date(), rules: DEFAULT_RULES, unitIds: [unit.id] }, t.knex);
    expect(record.missing_periods.length).toBeGreaterThan(0);
    expect(res.text).toContain(`<li>کامل بودن: ${faPct(record.completeness)}</li><li>به‌موقع بودن: ${faPct(record.timeliness)}</li><li>${fa(record.missing_periods.length)} ماه ثبت‌نشده</li>`);
    const submitted = await t.knex('filings').where({ unit_id: unit.id, period: period(-2) }).first('first_submitted_at');
    expect(res.text).toContain(jdatetime(submitted.first_submitted_at));
    expect(res.text).toContain(`تا ${jdatetime(deadlineOf(period(-1), DEFAULT_RULES))} است.`);
    const reminder = await t.knex('reminders').where({ unit_id: unit.id }).first();
    const other = await unitWithUser(app);
    await other.agent.post(`/dashboard/reminders/${reminder.id}/dismissal`).type('form').send({ _csrf: other.csrf }).expect(404);
    await agent.post(`/dashboard/reminders/${reminder.id}/dismissal`).type('form').send({ _csrf: csrfFrom(res.text) }).expect(303);
    expect((await agent.get('/dashboard')).text).not.toContain('یادآوری');
  });

  it('the history downloads as CSV with a BOM and Persian headers, and as a right-to-left XLSX', async () => {
    const { unit, agent } = await unitWithUser(app, { obligation_start: period(-3) });
    await submittedNow({ unitId: unit.id, period: period(-2), productionValue: 7_654_321, lines: [{ product_id: unit.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    const csv = await agent.get('/dashboard/history.csv').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    const bytes = csv.body as Buffer;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const textCsv = bytes.toString('utf8');
    expect(textCsv.split('\r\n')[0]).toContain('دوره,وضعیت اظهارنامه');
    expect(textCsv).toContain('7654321');
    expect(textCsv).toContain('تولید شیر پاستوریزه (تن)');
    const xlsx = await agent.get('/dashboard/history.xlsx').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.views[0].rightToLeft).toBe(true);
    expect(ws.getRow(1).getCell(1).value).toBe('دوره');
    const values = ws.getColumn(10).values as unknown[];
    expect(values).toContain(7_654_321);
  });

  it('a user with several units switches between them; another user\'s unit cannot be chosen', async () => {
    const a = await createUnit({ obligation_start: period(-2), name: 'واحد الف' });
    const b = await createUnit({ obligation_start: period(-2), name: 'واحد ب' });
    const other = await createUnit({ obligation_start: period(-2), name: 'واحد دیگری' });
    const user = await createUser({ role: 'unit_user', unit_ids: [a.id, b.id] });
    const { agent, csrf } = await signIn(app, user.email);
    expect((await agent.get('/dashboard')).text).toContain('<strong class="text-body">واحد الف</strong>');
    await agent.post('/current-unit').type('form').send({ _csrf: csrf, unit_id: String(b.id) }).expect(303);
    expect((await agent.get('/dashboard')).text).toContain('<strong class="text-body">واحد ب</strong>');
    await agent.post('/current-unit').type('form').send({ _csrf: csrf, unit_id: String(other.id) }).expect(404);
  });

  it('a unit user whose units are all pending is sent to /my-units; other roles get 404', async () => {
    const pending = await createUnit({ registration: 'pending' });
    const u = await createUser({ role: 'unit_user', unit_ids: [pending.id] });
    const { agent } = await signIn(app, u.email);
    const r = await agent.get('/dashboard');
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/my-units');
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const o = await signIn(app, officer.email);
    await o.agent.get('/dashboard').expect(404);
    await o.agent.get(`/filings/${NOW_PERIOD}`).expect(404);
  });
});

describe('a unit never reads another unit\'s filing', () => {
  it('every route answers 404 for a period only another unit has filed', async () => {
    const mine = await unitWithUser(app);
    const theirs = await createUnit({ obligation_start: period(-24) });
    const p = period(-1);
    await submittedNow({ unitId: theirs.id, period: p, productionValue: 987_654_321, lines: [{ product_id: theirs.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    await mine.agent.get(`/filings/${p}/receipt`).expect(404);
    await mine.agent.get(`/filings/${p}/revisions`).expect(404);
    const form = await mine.agent.get(`/filings/${p}`).expect(200);
    expect(form.text).not.toContain('۹۸۷٬۶۵۴٬۳۲۱');
    const csv = await mine.agent.get('/dashboard/history.csv');
    expect(csv.text).not.toContain('987654321');
    await mine.agent.post('/current-unit').type('form').send({ _csrf: mine.csrf, unit_id: String(theirs.id) }).expect(404);
    // Posting the other unit's product id is refused, nothing is written to either unit.
    const res = await mine.agent.post(`/filings/${p}`).type('form').send(formBody(mine.csrf, theirs.productIds, {}, { action: 'draft' }));
    expect(res.status).toBe(422);
    expect(await t.knex('filings').where({ unit_id: mine.unit.id, period: p })).toHaveLength(0);
    expect(csrfFrom(res.text)).toBeTruthy();
  });
});
