import type { Knex } from 'knex';
import { z } from 'zod';
import { db } from './db.ts';
import { type Rules, type RuleStep, type ObligationSettings, isPeriod } from './calendar.ts';

// Every tunable number of DESIGN.md lives in the settings table; these are the defaults the seed
// writes and the shapes the admin page validates.
export const settingSchemas = {
  deadline_day: z.number().int().min(1).max(29),
  inactivity_months: z.number().int().min(1).max(24),
  system_start_period: z.string().refine(isPeriod),
  legacy_start_period: z.string().refine(isPeriod),
  // DESIGN §7: bounded so that no setting can switch disclosure control off (issue 12 §3c).
  suppression_min_units: z.number().int().min(3).max(20),
  suppression_dominance: z.number().min(0.5).max(0.9),
  // The p % rule (issue 22): the second-largest contributor may not estimate the largest to within p.
  suppression_p_percent: z.number().min(0.05).max(0.5),
  suppression_interval: z.number().min(0.05).max(0.5),
  exemplary_weights: z.object({ completeness: z.number().min(0), timeliness: z.number().min(0), quality: z.number().min(0) }),
  nominations_per_province: z.number().int().min(1).max(50),
  facility_coefficients: z.object({ renovation: z.number().min(0), working_capital: z.number().min(0) }),
  capacity_warning_factor: z.number().min(1).max(10),
  median_warning_factor: z.number().min(1).max(100),
  reminder_days_before: z.number().int().min(0).max(15),
  certificate_valid_days: z.number().int().min(1).max(365),
  // Issue 16: the production index's base year, and how long after a month's deadline its first
  // computation is made (the non-response that remains then is imputed).
  index_base_year: z.number().int().min(1390).max(1450),
  index_first_computation_days: z.number().int().min(0).max(60),
  // Issue 25: the working-day weight of a Thursday that is not a holiday (1 a whole working day,
  // 0.5 half a day as in most factories, 0 a weekend day) in the index's calendar adjustment.
  index_thursday_weight: z.number().min(0).max(1),
  // DESIGN §7: cells published in every release beside the national total, sections and divisions
  // (keys `geo|node`: a province code or IR, and an ISIC node).
  // Issue 23 F13: how many releases (revisions included) or index computations of one period the
  // statistics office may ask for in 24 hours.
  jobs_per_period_per_day: z.number().int().min(1).max(50),
  headline_cells: z.array(z.string().regex(/^(IR|[0-3][0-9])\|(T|[A-Z]|[0-9]{2,4})$/)).max(200),
  // Issue 24: the checks' and the selective editing's numbers.
  // Employees outside the unit's 12-month median ± this share (or ± 4 robust deviations, if wider).
  employees_warning_tolerance: z.number().min(0.05).max(1),
  // A product's price (sales value ÷ quantity sold) beyond × / ÷ this factor of the unit's own median.
  price_warning_factor: z.number().min(1.1).max(100),
  // … and beyond × / ÷ this factor of the median price of the same catalogue code at other units.
  class_price_warning_factor: z.number().min(1.1).max(100),
  // Selective editing: a submitted filing scoring below this (and raising no warning) may be verified in bulk.
  selective_editing_threshold: z.number().min(0).max(100),
} as const;

export type SettingKey = keyof typeof settingSchemas;
export type SettingValue<K extends SettingKey> = z.infer<(typeof settingSchemas)[K]>;

export const defaultSettings: { [K in SettingKey]: SettingValue<K> } = {
  deadline_day: 8,
  inactivity_months: 3,
  system_start_period: '1387-08',
  legacy_start_period: '1387-08',
  suppression_min_units: 3,
  suppression_dominance: 0.85,
  suppression_p_percent: 0.1,
  suppression_interval: 0.1,
  exemplary_weights: { completeness: 0.4, timeliness: 0.4, quality: 0.2 },
  nominations_per_province: 3,
  facility_coefficients: { renovation: 0.5, working_capital: 0.25 },
  capacity_warning_factor: 1.5,
  median_warning_factor: 3,
  reminder_days_before: 3,
  certificate_valid_days: 30,
  index_base_year: 1404,
  index_first_computation_days: 2, // with deadline_day 8: the flash at T+10 (issue 25 §3)
  index_thursday_weight: 0.5,
  jobs_per_period_per_day: 5,
  headline_cells: [],
  employees_warning_tolerance: 0.2,
  price_warning_factor: 3,
  class_price_warning_factor: 5,
  selective_editing_threshold: 0.05,
};



/** Settings whose value depends on the period judged (DESIGN §4 "rules change over time"). */
export const PERIODIC_SETTINGS: readonly SettingKey[] = ['deadline_day', 'inactivity_months'];

interface SettingRow { key: string; effective_from: string; value: unknown }

export interface Settings {
  rules: Rules;
  obligation: ObligationSettings;
  get<K extends SettingKey>(key: K): SettingValue<K>;
}

function parseRow<K extends SettingKey>(key: K, value: unknown): SettingValue<K> {
  const parsed = settingSchemas[key].safeParse(value);
  return (parsed.success ? parsed.data : defaultSettings[key]) as SettingValue<K>;
}

// In-process cache of the settings (per Knex instance; never inside a transaction, which must
// see its own view): every request reads them, and they change a few
// times a year. saveSetting() clears it in this process at once (and again when its transaction
// ends); another app instance sees a change within SETTINGS_TTL_MS. Code or tests that write the
// settings table directly must call clearSettingsCache().
export const SETTINGS_TTL_MS = 5_000;
let cache = new WeakMap<Knex, { expires: number; settings: Promise<Settings> }>();

/** Forgets the cached settings: the next loadSettings() reads the table. */
export function clearSettingsCache(): void {
  cache = new WeakMap();
}

/** All settings as in force now; periodic ones keep their whole history for the calendar. Cached for SETTINGS_TTL_MS. */
export async function loadSettings(k: Knex = db()): Promise<Settings> {
  if (k.isTransaction) return readSettings(k);
  const now = Date.now();
  const hit = cache.get(k);
  if (hit && hit.expires > now) return hit.settings;
  const entry = { expires: now + SETTINGS_TTL_MS, settings: readSettings(k) };
  const map = cache;
  map.set(k, entry);
  try {
    return await entry.settings;
  } catch (e) {
    if (map.get(k) === entry) map.delete(k); // a failed read is not kept
    throw e;
  }
}

async function readSettings(k: Knex): Promise<Settings> {
  const rows: SettingRow[] = await k('settings').select('key', 'effective_from', 'value').orderBy(['key', 'effective_from']);
  const latest = new Map<string, unknown>();
  const steps = new Map<string, RuleStep[]>();
  for (const r of rows) {
    latest.set(r.key, r.value);
    if ((PERIODIC_SETTINGS as string[]).includes(r.key)) {
      const list = steps.get(r.key) ?? [];
      list.push({ from: r.effective_from, value: Number(r.value) });
      steps.set(r.key, list);
    }
  }
  const get = <K extends SettingKey>(key: K): SettingValue<K> => (latest.has(key) ? parseRow(key, latest.get(key)) : defaultSettings[key] as SettingValue<K>);
  const series = (key: SettingKey): RuleStep[] => steps.get(key) ?? [{ from: '0001-01', value: Number(defaultSettings[key]) }];
  return {
    rules: { deadlineDay: series('deadline_day'), inactivityMonths: series('inactivity_months') },
    obligation: { systemStart: get('system_start_period'), legacyStart: get('legacy_start_period') },
    get,
  };
}

/** Writes a setting; periodic settings take effect from `effectiveFrom` and leave earlier steps alone. */
export async function saveSetting<K extends SettingKey>(key: K, value: SettingValue<K>, userId: number | null, effectiveFrom = '0001-01', k: Knex = db()): Promise<void> {
  const parsed = settingSchemas[key].parse(value);
  const from = (PERIODIC_SETTINGS as string[]).includes(key) ? effectiveFrom : '0001-01';
  await k('settings')
    .insert({ key, effective_from: from, value: JSON.stringify(parsed), updated_by: userId, updated_at: k.fn.now() })
    .onConflict(['key', 'effective_from'])
    .merge();
  clearSettingsCache();
  // Inside a transaction, a read between now and the commit would cache the old value again.
  if (k.isTransaction) (k as Knex.Transaction).executionPromise.then(clearSettingsCache, clearSettingsCache);
}
