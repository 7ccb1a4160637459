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

/**
 * Three months and their quarter (releases 1–3 and 4): unit 1 alone in (23, 1071) in Farvardin, units 2–4 there in
 * Ordibehesht and Khordad — the quarter minus its months would be unit 1's Farvardin figure.
 */
export function monthsAndQuarter(): Contribution[] {
  const months = ['1404-01', '1404-02', '1404-03'];
  const c: Contribution[] = [];
  const add = (release: number, month: string) => {
    if (month === '1404-01') c.push(...units(release, 1, 1, '23', '1071', 500, month));
    else c.push(...units(release, 2, 3, '23', '1071', 100, month));
    c.push(...units(release, 10, 3, '23', '1072', 300, month), ...units(release, 20, 3, '10', '1071', 200, month), ...units(release, 30, 3, '10', '1072', 250, month));
  };
  months.forEach((m, i) => add(i + 1, m));
  for (const m of months) add(4, m); // the quarter counts all three months
  return c;
}
