import type { Knex } from 'knex';
import { db } from '../db.ts';
import { addMonths, periodRange, type Period } from '../calendar.ts';

// Issue 25 §3: how far the flash estimate's growth moves by the latest release — the revision
// analysis statistical offices publish (OECD/Eurostat: mean revision MR and mean absolute revision
// MAR). For month t and node N: flash growth = flash(t) ÷ P(t−1) − 1 and latest growth =
// latest(t) ÷ P(t−1) − 1, with flash(t) the released first computation of t, latest(t) the latest
// released computation of t (a later one), and P(t−1) the published value of t−1 now; the
// revision is their difference, so only the revision of t itself is measured. Released values
// only; a suppressed value leaves its month out.

export interface RevisionRow { period: Period; flash: number; latest: number; previous: number }
export interface RevisionPoint extends RevisionRow { flashGrowth: number; latestGrowth: number; revision: number }
export interface RevisionStats { points: RevisionPoint[]; n: number; mr: number | null; mar: number | null }

export function revisionStats(rows: readonly RevisionRow[]): RevisionStats {
  const points = rows.filter((r) => r.previous > 0).map((r) => {
    const flashGrowth = r.flash / r.previous - 1;
    const latestGrowth = r.latest / r.previous - 1;
    return { ...r, flashGrowth, latestGrowth, revision: latestGrowth - flashGrowth };
  });
  const n = points.length;
  return { points, n, mr: n ? points.reduce((s, p) => s + p.revision, 0) / n : null, mar: n ? points.reduce((s, p) => s + Math.abs(p.revision), 0) / n : null };
}

/** The revision analysis of `node` over the `months` months ending at `last`. */
export async function revisionAnalysis(last: Period, node = 'T', months = 24, k: Knex = db()): Promise<RevisionStats> {
  const periods = periodRange(addMonths(last, -(months - 1)), last);
  const released: { period: Period; id: number; first: boolean; value: string | null; suppressed: boolean }[] = await k('index_publications as r')
    .join('index_computations as c', 'c.id', 'r.computation_id')
    .join('index_cells as x', function () { this.on('x.computation_id', 'c.id').andOnVal('x.node', '=', node); })
    .whereIn('r.period', periods).orderBy(['r.period', 'c.id'])
    .select('r.period', 'c.id', 'c.first', k.raw('case when x.suppressed then null else x.value end as value'), 'x.suppressed');
  const previous: { period: Period; value: string | null }[] = await k('index_published').where({ node }).whereIn('period', periods.map((p) => addMonths(p, -1))).select('period', 'value');
  const prev = new Map(previous.map((p) => [p.period, p.value === null ? null : Number(p.value)]));
  const rows: RevisionRow[] = [];
  for (const period of periods) {
    const list = released.filter((r) => r.period === period);
    const flash = list.find((r) => r.first);
    const latest = list.at(-1);
    const before = prev.get(addMonths(period, -1));
    if (!flash || !latest || latest.id === flash.id || flash.value === null || latest.value === null || before == null) continue;
    rows.push({ period, flash: Number(flash.value), latest: Number(latest.value), previous: before });
  }
  return revisionStats(rows);
}
