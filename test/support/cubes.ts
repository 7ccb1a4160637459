import { buildProblem, type BaseRow, type DisclosureRules, type Problem, type ReleaseInProblem } from '../../src/stats/releases/cube.ts';
import { protectRelease, type Protection } from '../../src/stats/releases/protect.ts';

// Crafted cubes for the disclosure tests: contributions per release, grouped into base cells the
// way publish.ts does in SQL (same unit, month, province, class and figures → one signature).

export interface Contribution { release: number; unit: number; owner?: number; month: string; province: string; cls: string; pv: number; ic?: number; emp?: number }

export const RULES: DisclosureRules = { minUnits: 3, dominance: 0.85, pPercent: 0.1, interval: 0.1 };

export function baseRows(contributions: readonly Contribution[]): BaseRow[] {
  const groups = new Map<string, { c: Contribution; sig: number[] }>();
  for (const c of contributions) {
    const key = [c.unit, c.month, c.province, c.cls, c.pv, c.ic ?? 0, c.emp ?? 0].join('|');
    const g = groups.get(key);
    if (g) g.sig.push(c.release); else groups.set(key, { c, sig: [c.release] });
  }
  return [...groups.values()].map(({ c, sig }) => ({
    unit: c.unit,
    owner: c.owner,
    province: c.province,
    category: c.cls,
    sig: [...new Set(sig)].sort((a, b) => a - b),
    amounts: { production_value: BigInt(c.pv), intermediate_consumption: BigInt(c.ic ?? Math.floor(c.pv / 2)), employees: BigInt(c.emp ?? 1 + (c.pv % 7)) },
  }));
}

export interface Published { id: number; months: number; period?: string; protection: Protection }

/**
 * Publishes the releases in order, each protected jointly with the ones before it, as the
 * portal does; returns every release's protection and the last problem.
 */
export async function publishInOrder(contributions: readonly Contribution[], releases: { id: number; months: number; period?: string }[], rules = RULES): Promise<{ published: Published[]; problem: Problem }> {
  const done: ReleaseInProblem[] = [];
  const published: Published[] = [];
  let problem: Problem | null = null;
  for (const rel of releases) {
    const ids = new Set([...done.map((d) => d.id), rel.id]);
    const rows = baseRows(contributions.filter((c) => ids.has(c.release)));
    problem = buildProblem(rows, [...done, { id: rel.id, months: rel.months, published: null, period: rel.period }], rules);
    const protection = await protectRelease(problem, rel.id);
    published.push({ ...rel, protection });
    done.push({ id: rel.id, months: rel.months, published: protection.published, period: rel.period });
  }
  const all = new Set(done.map((d) => d.id));
  return { published, problem: buildProblem(baseRows(contributions.filter((c) => all.has(c.release))), done, rules) };
}

/** Units u..u+n-1 each contributing `pv` to one cell of one release and month. */
export function units(release: number, first: number, n: number, province: string, cls: string, pv: number, month = '1404-01'): Contribution[] {
  return Array.from({ length: n }, (_, i) => ({ release, unit: first + i, month, province, cls, pv }));
}
