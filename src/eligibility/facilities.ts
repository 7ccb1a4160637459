import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { sumRials, scaleRial } from '../money.ts';
import { duePeriods, type Period } from '../calendar.ts';
import type { Settings } from '../settings.ts';
import { standings, type Standing } from './model.ts';
import type { UnitRow } from '../units/row.ts';

// DESIGN §9: verified production value and value added over the unit's last 12 due periods,
// and a suggested ceiling = coefficient × value added, only for an eligible unit.

export const FACILITY_TYPES = ['renovation', 'working_capital'] as const;
export type FacilityType = (typeof FACILITY_TYPES)[number];
export const FACILITY_LABELS: Record<FacilityType, string> = { renovation: 'نوسازی و بازسازی', working_capital: 'سرمایه در گردش' };

export const isFacilityType = (s: unknown): s is FacilityType => typeof s === 'string' && (FACILITY_TYPES as readonly string[]).includes(s);

export interface FacilityRow { period: Period; state: string | null; production_value: number | null; value_added: number | null }

export interface FacilityView {
  type: FacilityType;
  coefficient: number;
  periods: FacilityRow[];
  verifiedCount: number;
  productionSum: bigint;
  valueAddedSum: bigint;
  standing: Standing;
  ceiling: bigint | null;
}

export async function facilityView(unit: UnitRow, type: FacilityType, at: Date, settings: Settings, k: Knex = db()): Promise<FacilityView> {
  const due = duePeriods(unit.obligation_start, at, settings.rules).slice(-12);
  const filings = due.length
    ? await k('filings').where('unit_id', unit.id).whereIn('period', due).select('period', 'state', 'production_value', 'value_added')
    : [];
  const byPeriod = new Map(filings.map((f) => [f.period as string, f]));
  // Only verified figures count: an unverified filing is shown by its state, without figures.
  const periods: FacilityRow[] = due.slice().reverse().map((period) => {
    const f = byPeriod.get(period);
    const verified = f?.state === 'verified';
    return { period, state: f?.state ?? null, production_value: verified ? num(f.production_value) : null, value_added: verified ? num(f.value_added) : null };
  });
  // Twelve amounts of up to 9e15 Rial each pass 2^53: summed exactly.
  const productionSum = sumRials(periods.map((p) => p.production_value));
  const valueAddedSum = sumRials(periods.map((p) => p.value_added));
  const [standing] = await standings([unit], at, settings.rules, k);
  const coefficient = settings.get('facility_coefficients')[type];
  const ceiling = standing.verdict.eligible ? scaleRial(valueAddedSum > 0n ? valueAddedSum : 0n, coefficient) : null;
  return { type, coefficient, periods, verifiedCount: periods.filter((p) => p.value_added !== null).length, productionSum, valueAddedSum, standing, ceiling };
}
