import type { Knex } from 'knex';
import { addMonths, deadlineOf, jalaliDateOf, latestDuePeriod, periodOfParts, periodRange } from '../src/calendar.ts';
import { saveSetting, loadSettings } from '../src/settings.ts';
import { computeIndex, firstComputationAt } from '../src/production-index/compute.ts';
import { publishComputation } from '../src/production-index/model.ts';

/**
 * DEMO DATA — the production index (issue 16) of the demo register: the last closed Jalali year
 * as base year, and every month since its start computed (the first computation of each, at its
 * fixed time after the deadline) and released by the statistics office, so that «شاخص تولید»
 * shows a series.
 */
export async function seedDemoIndex(trx: Knex.Transaction, now: Date): Promise<void> {
  const settings = await loadSettings(trx);
  const { jy } = jalaliDateOf(now);
  const base = deadlineOf(periodOfParts(jy - 1, 12), settings.rules) < now ? jy - 1 : jy - 2;
  await saveSetting('index_base_year', base, null, '0001-01', trx);
  const office = await trx('users').where({ role: 'stats_office' }).orderBy('id').first('id');
  const last = latestDuePeriod(now, settings.rules);
  for (const period of periodRange(periodOfParts(base, 1), last).slice(-24)) {
    if ((await firstComputationAt(period, trx)) > now || period < addMonths(last, -23)) continue;
    const out = await computeIndex({ period, at: now, userId: office?.id ?? null }, trx);
    if (out.ok) await publishComputation(out.computationId, office?.id ?? null, trx);
  }
}
