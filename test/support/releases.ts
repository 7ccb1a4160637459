import type { Knex } from 'knex';
import { db } from '../../src/db.ts';
import { parseReferencePeriod } from '../../src/stats/releases/period.ts';
import type { ProtectionReport, ReleaseMeasure } from '../../src/stats/releases/types.ts';

// Crafted releases, inserted as the engine would store them: the views are judged on what is
// stored, without building or protecting a cube.

export interface CraftedCell { geo: string; isic: string; value: string | number | bigint | null; measure?: ReleaseMeasure }

export interface CraftedRelease {
  period: string;
  preliminary?: boolean;
  revision?: number;
  cutOff?: Date;
  createdBy?: number | null;
  cells: CraftedCell[];
  report?: Partial<ProtectionReport>;
}

const REPORT: ProtectionReport = {
  cells: 0, suppressed: 0, informationLoss: 0.0123, linked: [],
  audit: { sensitive: 4, exact: 0, inside: 0, lps: 8 },
  seconds: { load: 0.1, protect: 0.2, audit: 0.1, store: 0.05 },
};

/** Stores a release and its cells (measure production_value unless a cell says otherwise); returns its id. */
export async function insertRelease(r: CraftedRelease, k: Knex = db()): Promise<number> {
  const p = parseReferencePeriod(r.period);
  if (!p) throw new Error(`insertRelease: ${r.period} is not a period of the grid`);
  const suppressed = r.cells.filter((c) => c.value === null).length;
  const [row] = await k('releases').insert({
    period: p.code, kind: p.kind, preliminary: r.preliminary ?? false, revision: r.revision ?? 1,
    cut_off: r.cutOff ?? new Date('2026-01-01T00:00:00Z'), created_by: r.createdBy ?? null,
    rules: JSON.stringify({ minUnits: 3, dominance: 0.85, interval: 0.1 }),
    report: JSON.stringify({ ...REPORT, cells: r.cells.length, suppressed, ...r.report }),
  }).returning('id');
  if (r.cells.length) {
    await k('release_cells').insert(r.cells.map((c) => ({
      release_id: row.id, space: 'values', geo: c.geo, node: c.isic, measure: c.measure ?? 'production_value',
      value: c.value === null ? null : String(c.value), suppressed: c.value === null,
    })));
  }
  return row.id;
}

/**
 * A small province × ISIC cube, consistent along both hierarchies: provinces 23 and 10, section C,
 * divisions 10 and 24; Tehran's division 24 and the one of Isfahan that would give it away are
 * suppressed (their totals stay published).
 */
export function smallCube(scale = 1n): CraftedCell[] {
  const v = (n: number) => BigInt(n) * scale;
  const grid: Record<string, Record<string, bigint | null>> = {
    23: { 10: v(600), 24: null, C: v(1000), T: v(1000) },
    10: { 10: v(300), 24: null, C: v(500), T: v(500) },
    IR: { 10: v(900), 24: v(600), C: v(1500), T: v(1500) },
  };
  return Object.entries(grid).flatMap(([geo, row]) => Object.entries(row).map(([isic, value]) => ({ geo, isic, value })));
}
