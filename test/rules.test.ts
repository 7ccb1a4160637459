import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { clearSettingsCache } from '../src/settings.ts';
import { addMonths, periodOf } from '../src/calendar.ts';
import { fa } from '../src/numbers.ts';

// DESIGN §4, "rules change over time": each period is judged by the rule in force for it.

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

describe('the rule in force', () => {
  it('the home page states the inactivity threshold in force now, not one dated ahead', async () => {
    const ahead = addMonths(periodOf(new Date()), 6);
    await t.knex('settings').insert({ key: 'inactivity_months', effective_from: ahead, value: JSON.stringify(6) });
    clearSettingsCache();
    try {
      const home = await request(app).get('/').expect(200);
      expect(home.text).toContain(`واحدی که ${fa(3)} ماه پیاپی آمار ندهد`);
      expect(home.text).not.toContain(`واحدی که ${fa(6)} ماه پیاپی`);
    } finally {
      await t.knex('settings').where({ key: 'inactivity_months', effective_from: ahead }).delete();
      clearSettingsCache();
    }
  });
});
