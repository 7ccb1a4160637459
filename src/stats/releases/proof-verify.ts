import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { roundedAverage, totalOf, unitsOf, type BaseCell, type Problem } from './cube.ts';
import { perturbedCount, recordKeys } from './counts.ts';
import { checkProof, type StoredProof } from './proof.ts';
import { familySpace, patternOf } from './proof-release.ts';
import { QUANTITY_STORE, toMicro } from './products.ts';
import { storedCells, storedProblems, VALUE_STORE } from './store.ts';
import { countSecretOf } from './inputs.ts';
import { parseReferencePeriod } from './period.ts';
import type { ReleaseRules } from './types.ts';

// `npm run stats:audit -- --verify` (issue 21): every stored release re-checked against its stored
// proof with integer arithmetic and no solver — its published cells against its stored
// contributions, and its witnesses against the linked group it was protected with.

export interface VerifiedRelease { release: number; period: string; proved: boolean; spaces: number; witnesses: number; expressions: number; failures: string[] }

/** A numeric text as an integer (release cells hold whole numbers for every value measure). */
function integerOf(value: string | number): bigint | null {
  const text = String(value);
  const m = /^(-?\d+)(?:\.0*)?$/.exec(text.trim());
  return m ? BigInt(m[1]) : null;
}

/** Every stored value cell of the release equals the same cell recomputed from its stored contributions, and is hidden exactly where the pattern hides it. */
/** A cell's published count: its units' true count moved by the cell-key method (counts.ts), as the release stored it. */
type CountOf = (members: readonly BaseCell[]) => bigint;

async function checkValueCells(problem: Problem, id: number, months: number, countOf: CountOf, k: Knex): Promise<string[]> {
  const cells = problem.cells.get(id) ?? new Map();
  const published = problem.releases.find((r) => r.id === id)?.published ?? new Set<string>();
  const stored = await storedCells(id, 'values', k);
  const failures: string[] = [];
  const seen = new Set<string>();
  for (const row of stored) {
    const key = `${row.geo}|${row.node}`;
    seen.add(key);
    const c = cells.get(key);
    if (!c) { failures.push(`stored cell ${key} has no contributions`); continue; }
    if (row.suppressed !== !published.has(key)) { failures.push(`cell ${key} ${row.measure}: hidden in one measure and not in another`); continue; }
    if (row.suppressed) continue;
    const members = c.bases.map((i: number) => problem.bases[i]);
    const t = totalOf(members);
    const truth: Record<string, bigint> = {
      production_value: t.production_value, intermediate_consumption: t.intermediate_consumption, value_added: t.production_value - t.intermediate_consumption,
      employees: roundedAverage(t.employees, months), units: countOf(members),
    };
    if (row.value === null || integerOf(row.value) !== truth[row.measure]) failures.push(`published cell ${key} ${row.measure} is ${row.value}, its contributions give ${truth[row.measure]}`);
  }
  for (const key of cells.keys()) if (!seen.has(key)) failures.push(`cell ${key} is missing from the stored release`);
  return failures;
}

async function checkProductCells(families: readonly Problem[], id: number, countOf: CountOf, k: Knex): Promise<string[]> {
  const truth = new Map<string, { q: bigint; units: bigint }>();
  for (const f of families) {
    for (const c of f.cells.get(id)?.values() ?? []) {
      const members = c.bases.map((i) => f.bases[i]);
      let q = 0n;
      for (const b of members) q += b.total.quantity;
      truth.set(c.key, { q, units: countOf(members) });
    }
  }
  const stored = await storedCells(id, 'products', k);
  const failures: string[] = [];
  for (const row of stored) {
    const key = `${row.geo}|${row.node}`;
    const t = truth.get(key);
    if (!t) { failures.push(`stored product cell ${key} has no contributions`); continue; }
    if (row.suppressed) continue;
    const ok = row.value !== null && (row.measure === 'quantity' ? toMicro(String(row.value)) === t.q : integerOf(row.value) === t.units);
    if (!ok) failures.push(`published product cell ${key} ${row.measure} is ${row.value}, its contributions give ${row.measure === 'quantity' ? t.q : t.units}`);
  }
  return failures;
}

/**
 * Re-checks every stored release that has a proof (`ids`: only those), with no solver: its published
 * cells against its stored contributions, then every witness of its values and product families
 * against the group it was protected with. Releases stored before migration 160 have no proof and
 * are reported as such.
 */
export async function verifyStoredReleases(k: Knex = db(), ids?: readonly number[]): Promise<VerifiedRelease[]> {
  const stored = (await k('releases').orderBy('id').select('id', 'period', 'rules', 'report')) as { id: number; period: string; rules: ReleaseRules | string; report: { linked?: number[] } | string }[];
  const byId = new Map(stored.map((r) => [r.id, r]));
  const keys = recordKeys(await countSecretOf(k));
  const out: VerifiedRelease[] = [];
  for (const r of stored) {
    if (ids && !ids.includes(r.id)) continue;
    const proofs = (await k('release_proofs').where({ release_id: r.id }).select('space', 'proof')) as { space: string; proof: StoredProof | string }[];
    const result: VerifiedRelease = { release: r.id, period: r.period, proved: false, spaces: proofs.length, witnesses: 0, expressions: 0, failures: [] };
    out.push(result);
    if (proofs.length === 0) { result.failures.push('no stored proof (released before proofs were stored)'); continue; }
    const report = typeof r.report === 'string' ? JSON.parse(r.report) as { linked?: number[] } : r.report;
    const rules = typeof r.rules === 'string' ? JSON.parse(r.rules) as ReleaseRules : r.rules;
    const group = [...(report.linked ?? []), r.id].map((id) => {
      const row = byId.get(id)!;
      return { id, period: row.period, months: parseReferencePeriod(row.period)!.months.length };
    });
    const months = group.at(-1)!.months;
    const [valueProblem] = await storedProblems(VALUE_STORE, group, rules, k);
    const countOf: CountOf = (members) => BigInt(perturbedCount(unitsOf(members), keys, rules.minUnits));
    result.failures.push(...await checkValueCells(valueProblem, r.id, months, countOf, k));
    const families = await storedProblems(QUANTITY_STORE, group, rules, k);
    result.failures.push(...await checkProductCells(families, r.id, countOf, k));
    const familyOfKey = new Map(families.map((f) => [familySpace(f), f]));
    const spaces = new Map(proofs.map((p) => [p.space, typeof p.proof === 'string' ? JSON.parse(p.proof) as StoredProof : p.proof]));
    const check = (space: string, problem: Problem) => {
      const proof = spaces.get(space);
      const sensitive = problem.targets.length;
      if (!proof) { if (sensitive > 0) result.failures.push(`${space}: no proof for ${sensitive} sensitive expressions`); return; }
      const c = checkProof(problem, patternOf(problem), proof, r.id);
      result.witnesses += c.witnesses;
      result.expressions += c.expressions;
      result.failures.push(...c.failures.map((f) => `${space}: ${f}`));
    };
    check('values', valueProblem);
    for (const [space, family] of familyOfKey) if (family.cells.get(r.id)?.size) check(space, family);
    for (const space of spaces.keys()) if (space !== 'values' && !familyOfKey.has(space)) result.failures.push(`${space}: a proof for a family the stored data does not have`);
    result.proved = result.failures.length === 0;
  }
  return out;
}

