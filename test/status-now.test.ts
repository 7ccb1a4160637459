import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUnit, createUser, signIn, legalEntityId } from './support/factories.ts';
import { registrationForm, postRegistration } from './support/registration.ts';
import { createFiling } from './support/filings.ts';
import { importUnits, IMPORT_COLUMNS } from '../src/units/import.ts';
import { runNightly } from '../src/jobs/nightly.ts';
import { saveFiling } from '../src/filings/model.ts';
import { addMonths, latestDuePeriod, jalaliDateOf, startOfJalaliDay, formatJalaliDate } from '../src/calendar.ts';

// DESIGN §4: "a unit's current status always agrees with the filings stored now" — at approval,
// at import, and after a job run for a past instant.

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const unitRow = (id: number) => t.knex('units').where({ id }).first('status', 'status_changed_at');
const changesOf = (id: number) => t.knex('unit_status_changes').where({ unit_id: id }).orderBy('id');

/** The change records are in the order they happened, and each starts where the last one ended. */
async function expectHistoryInOrder(id: number) {
  const changes = await changesOf(id);
  for (let i = 1; i < changes.length; i++) {
    expect(changes[i].changed_at.getTime()).toBeGreaterThanOrEqual(changes[i - 1].changed_at.getTime());
    expect(changes[i].old_status).toBe(changes[i - 1].new_status);
  }
  const { status } = await unitRow(id);
  if (changes.length) expect(changes.at(-1).new_status).toBe(status);
}

describe('approval and import judge the unit at once', () => {
  it('a registration approved with its obligation start 20 months back is inactive at once, with its change record', async () => {
    const now = new Date();
    // Licence 23 months back → obligation start 20 months back: far more than three due periods are missing.
    const licence = jalaliDateOf(new Date(now.getTime() - 23 * 30.5 * 86400_000));
    const form = registrationForm({ licence_issued_on: formatJalaliDate(licence, '/'), entity_name: 'شرکت تأییدشده دیرهنگام' });
    const { res } = await postRegistration(app, form);
    expect(res.status).toBe(303);
    const unit = await t.knex('units').where({ licence_no: form.licence_no }).first('id');
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent, csrf } = await signIn(app, officer.email);
    await agent.post(`/province/registrations/${unit.id}/approval`).type('form').send({ _csrf: csrf }).expect(303);
    const row = await unitRow(unit.id);
    expect(row.status).toBe('inactive');
    expect(row.status_changed_at).toBeInstanceOf(Date);
    const changes = await changesOf(unit.id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ old_status: 'active', new_status: 'inactive', job_run_id: null });
  });

  it('an imported unit with missing months is inactive at once, one that is still within its first months stays active', async () => {
    const now = new Date();
    const old = jalaliDateOf(new Date(now.getTime() - 23 * 30.5 * 86400_000));
    const recent = jalaliDateOf(new Date(now.getTime() - 40 * 86400_000));
    const row = (licence: string, issued: string, nationalId: string) =>
      [nationalId, `شرکت واردشده ${licence}`, licence, issued, 'industrial', '1050', 'تهران', 'تهران', '0', 'شیر:تن:1200', ''].join(',');
    const csv = [IMPORT_COLUMNS.join(','), row('IMP-OLD-1', formatJalaliDate(old), legalEntityId(90001)), row('IMP-NEW-1', formatJalaliDate(recent), legalEntityId(90002))].join('\n');
    const result = await importUnits(csv, { k: t.knex });
    expect(result).toMatchObject({ ok: true, created: 2 });
    const oldUnit = await t.knex('units').where({ licence_no: 'IMP-OLD-1' }).first('id', 'status');
    const newUnit = await t.knex('units').where({ licence_no: 'IMP-NEW-1' }).first('id', 'status');
    expect(oldUnit.status).toBe('inactive');
    expect(newUnit.status).toBe('active');
    expect((await changesOf(oldUnit.id)).map((c) => c.new_status)).toEqual(['inactive']);
    expect(await changesOf(newUnit.id)).toHaveLength(0);
  });
});

describe('a job run for a past instant', () => {
  it('does not flip back a unit that filed today after being inactive, and history stays in order', async () => {
    const now = new Date();
    const lastDue = latestDuePeriod(now);
    const u = await createUnit({ obligation_start: addMonths(lastDue, -8), name: 'واحد بازگشته' });
    // Inactive now: nothing filed.
    await runNightly(t.knex, { at: now, log: silent });
    expect((await unitRow(u.id)).status).toBe('inactive');
    // Files one of its last three due periods now: active at once.
    const saved = await saveFiling({
      unitId: u.id, period: addMonths(lastDue, -1), userId: (await createUser({ role: 'unit_user', unit_ids: [u.id] })).id, via: 'form', submit: true, confirmWarnings: true,
      input: { employees: 10, production_value: 1_000_000, intermediate_consumption: 500_000, lines: [{ product_id: u.productIds[0], produced: 50, sold: 40, sales_value: 900_000 }] },
    });
    expect(saved).toMatchObject({ ok: true, statusChanged: true });
    expect((await unitRow(u.id)).status).toBe('active');
    // `npm run job:nightly -- --at <today>` judges as of the start of today, before the filing.
    const r = await runNightly(t.knex, { at: startOfJalaliDay(jalaliDateOf(new Date())), log: silent });
    expect(r.skipped).toBe(false);
    expect((await unitRow(u.id)).status).toBe('active');
    expect((await changesOf(u.id)).map((c) => c.new_status)).toEqual(['inactive', 'active']);
    await expectHistoryInOrder(u.id);
  });

  it('records what the status was then, and leaves the status that the filings stored now give', async () => {
    const now = new Date();
    const lastDue = latestDuePeriod(now);
    // Obligated long ago, never filed: inactive now. Six months ago its window was also all missing,
    // but eight months ago it was within its first periods: active then.
    const u = await createUnit({ obligation_start: addMonths(lastDue, -9), name: 'واحد بایگانی' });
    const longAgo = new Date(now.getTime() - 9 * 30.5 * 86400_000);
    await runNightly(t.knex, { at: longAgo, log: silent });
    expect((await unitRow(u.id)).status).toBe('inactive'); // agrees with now, not with then
    await expectHistoryInOrder(u.id);
    // A second run for the same past instant changes nothing.
    const before = await changesOf(u.id);
    const again = await runNightly(t.knex, { at: longAgo, log: silent });
    expect(again.changed.filter((c) => c.unit_id === u.id)).toEqual([]);
    expect(await changesOf(u.id)).toEqual(before);
  });

  it('a run for a past instant when the unit was inactive does not contradict a unit active now', async () => {
    const now = new Date();
    const lastDue = latestDuePeriod(now);
    const u = await createUnit({ obligation_start: addMonths(lastDue, -12), name: 'واحد فعال امروز' });
    // It filed its three latest due periods on time; eight months ago its window was all missing.
    for (const p of [addMonths(lastDue, -2), addMonths(lastDue, -1), lastDue]) await createFiling({ unitId: u.id, period: p });
    const past = new Date(now.getTime() - 6 * 30.5 * 86400_000);
    await runNightly(t.knex, { at: past, log: silent });
    expect((await unitRow(u.id)).status).toBe('active');
    const history = await changesOf(u.id);
    // The back-fill may say it was inactive then; if it does, it is followed by its return, in order.
    if (history.length) expect(history.map((c) => c.new_status)).toEqual(['inactive', 'active']);
    await expectHistoryInOrder(u.id);
  });
});
