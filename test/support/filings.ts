import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { db } from '../../src/db.ts';
import { deadlineOf, type Period } from '../../src/calendar.ts';

// Filings written straight into the tables, following the shared state machine (draft →
// submitted → verified | returned → submitted …), so these tests do not depend on the filing form.

export type FilingState = 'draft' | 'submitted' | 'returned' | 'verified';

export interface FilingAttrs {
  unitId: number;
  period: Period;
  state?: FilingState;
  /** Defaults to one day before the period's deadline (on time); null for a draft. */
  firstSubmittedAt?: Date | null;
  employees?: number;
  productionValue?: number;
  intermediateConsumption?: number;
  warnings?: unknown[];
  returnReason?: string | null;
  lines?: { product_id: number; produced: number; sold: number; sales_value: number }[];
  userId?: number | null;
  reviewedBy?: number | null;
}

/** One filing with its lines and a first revision; returns its id. */
export async function createFiling(a: FilingAttrs, k: Knex = db()): Promise<number> {
  const state = a.state ?? 'submitted';
  const submitted = state === 'draft'
    ? null
    : a.firstSubmittedAt === undefined ? new Date(deadlineOf(a.period).getTime() - 86400_000) : a.firstSubmittedAt;
  const row = {
    unit_id: a.unitId,
    period: a.period,
    state,
    employees: a.employees ?? 25,
    production_value: a.productionValue ?? 5_000_000_000,
    intermediate_consumption: a.intermediateConsumption ?? 3_000_000_000,
    warnings: JSON.stringify(a.warnings ?? []),
    first_submitted_at: submitted,
    submitted_at: submitted,
    tracking_code: submitted ? `T${crypto.randomBytes(6).toString('hex').toUpperCase()}` : null,
    revision: submitted ? 1 : 0,
    return_reason: state === 'returned' ? (a.returnReason ?? 'ارقام فروش با تولید نمی‌خواند') : null,
    verified_at: state === 'verified' ? submitted : null,
    reviewed_by: state === 'verified' || state === 'returned' ? (a.reviewedBy ?? null) : null,
    reviewed_at: state === 'verified' || state === 'returned' ? submitted : null,
  };
  const [f] = await k('filings').insert(row).returning('id');
  const lines = a.lines ?? [];
  if (lines.length) await k('filing_lines').insert(lines.map((l) => ({ filing_id: f.id, ...l })));
  if (submitted) {
    await k('filing_revisions').insert({
      filing_id: f.id, revision: 1, user_id: a.userId ?? null, at: submitted, via: 'form', changes: JSON.stringify([]),
      snapshot: JSON.stringify({ employees: row.employees, production_value: row.production_value, intermediate_consumption: row.intermediate_consumption, lines }),
    });
  }
  return f.id;
}

/** Submitted on time for every period in the list. */
export async function fileOnTime(unitId: number, periods: Period[], k: Knex = db()): Promise<number[]> {
  const ids: number[] = [];
  for (const period of periods) ids.push(await createFiling({ unitId, period }, k));
  return ids;
}

/** A filing first submitted just now, with modest figures: the history the filing tests build on. */
export function submittedNow(a: FilingAttrs, k: Knex = db()): Promise<number> {
  return createFiling({ firstSubmittedAt: new Date(), employees: 10, productionValue: 1_000_000, intermediateConsumption: 400_000, ...a }, k);
}
