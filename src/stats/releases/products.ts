import type { Knex } from 'knex';
import { buildProblem, type BaseCell, type BaseRow, type DisclosureRules, type Problem, type ProblemOptions, type ReleaseInProblem, type Space } from './cube.ts';
import { packRows, unpackRow, type PackedRows } from './packed-rows.ts';
import { protectRelease, ProtectionFailure, type Protection } from './protect.ts';
import type { AuditResult, AttackerKind, AttackerSummary } from './attack.ts';
import type { AuditSummary, ProductProtectionReport } from './types.ts';
import type { StoredSpace } from './store.ts';
import { decimalText, parseDecimal } from '../../catalogue/quantity.ts';

// The product dimension of a release (DESIGN §7; issue 15): quantities produced per catalogue code,
// in the code's standard unit of measure, per province and nationally, protected like the values.
//
// Quantities of different products never add, so the product cells form problems of their own:
// a *family* is one ISIC class in one unit of measure, and nothing published in one family is a sum
// of another family's unknowns. Within a family the nodes are
//   - each code (`1050100010`), its quantities converted exactly from the unit each unit declared;
//   - the groups of codes by prefix (`G1050`, `G105010`, `G10501000`): the sum of the family's codes
//     under that prefix (a group only ever sums one unit of measure: «G1050 in tonnes»);
//   - the class's «سایر محصولات» (`1050*`): its products not linked to a code yet, in their
//     dimension's base unit (kg, litre, …), counted in the class group `G1050` of that unit.
// Each family is protected with the same engine as the values (primary rule on the unit
// quantities, protection-level LP, attacker audit), jointly with every earlier release it links to.

/** The base unit of each dimension: «سایر محصولات» are summed in it (a factor of 1 in units_of_measure). */
export const BASE_UNITS: Record<string, string> = { mass: 'kg', volume: 'l', area: 'm2', length: 'm', count: 'pc', pair: 'pair', set: 'set', energy: 'kwh' };

/** Code prefixes below the class (4 digits) that group codes. */
const GROUP_LENGTHS = [6, 8];

/** Quantities are carried in the LP as whole millionths of their unit: the contributions' scale. */
const MICRO = 6;

export const productCategory = (product: string, uom: string): string => `${product}~${uom}`;
export const splitNode = (node: string): { product: string; uom: string } => {
  const i = node.indexOf('~');
  return { product: node.slice(0, i), uom: node.slice(i + 1) };
};

/** The product nodes one product's quantities count in: itself, its class group and its prefix groups, all in its unit. */
export function productNodesOf(category: string): string[] {
  const { product, uom } = splitNode(category);
  const nodes = [category, productCategory(`G${product.slice(0, 4)}`, uom)];
  if (!product.endsWith('*')) for (const n of GROUP_LENGTHS) if (n < product.length) nodes.push(productCategory(`G${product.slice(0, n)}`, uom));
  return nodes;
}

/**
 * A group by code prefix is a convenience total over one unit of measure; the codes are what the
 * catalogue is for. So protection hides a group (a quarter of its value's cost) before a code.
 */
export const QUANTITY_SPACE: Space = { measures: ['quantity'], nodesOf: productNodesOf, nodeCost: (node) => (node.startsWith('G') ? 0.25 : 1) };

export const familyOf = (category: string): string => {
  const { product, uom } = splitNode(category);
  return `${product.replace(/^G/, '').slice(0, 4)}~${uom}`;
};

const MICRO_UNIT = 10n ** BigInt(MICRO);

/** `"12.5"` (numeric text) → 12500000n millionths: exact, since contributions are numeric(30,6). */
export function toMicro(text: string): bigint {
  const f = parseDecimal(text);
  return (f.n * MICRO_UNIT) / f.d;
}

export const fromMicro = (v: bigint): string => decimalText({ n: v, d: MICRO_UNIT }, MICRO);

/**
 * SQL of a quantity converted from one unit to another by their factors to the dimension's base
 * unit, rounded at six decimals: the SQL twin of catalogue/quantity.ts convertQuantity, which
 * test/unit-conversion.test.ts holds it to on every pair of units.
 */
export const convertedSql = (quantity: string, fromFactor: string, toFactor: string): string => `round(${quantity} * ${fromFactor} / ${toFactor}, ${MICRO})`;

const baseUnitValues = Object.entries(BASE_UNITS).map(([d, c]) => `('${d}', '${c}')`).join(', ');

/**
 * One row per unit-month and product of the contributions in `contributions` (a relation with
 * release_id, unit_id, period, province_code and isic_class): the quantity produced converted
 * exactly to the code's standard unit (rounded at six decimals, which only a conversion finer than
 * a millionth needs). Lines with no known unit of measure, or a unit of another dimension than the
 * code's, are left out (and counted by uncountedLines).
 */
function productLinesOf(contributions: string): { select: string; uncounted: string } {
  const from = `
      from ${contributions} rc
      join filings f on f.unit_id = rc.unit_id and f.period = rc.period
      join filing_lines fl on fl.filing_id = f.id and fl.produced is not null
      join products p on p.id = fl.product_id
      left join units_of_measure pu on pu.code = p.unit_of_measure_code
      left join catalogue c on c.code = p.catalogue_code
      left join units_of_measure su on su.code = c.unit_of_measure_code
      left join (values ${baseUnitValues}) as b(dimension, code) on b.dimension = pu.dimension
      left join units_of_measure bu on bu.code = b.code`;
  const counted = `pu.code is not null and (c.code is null or su.dimension = pu.dimension)`;
  return {
    select: `select rc.release_id, rc.unit_id, rc.period, rc.province_code,
            coalesce(c.code, rc.isic_class || '*') as product, coalesce(c.unit_of_measure_code, bu.code) as unit_of_measure_code,
            sum(${convertedSql('fl.produced', 'pu.factor', 'coalesce(su.factor, bu.factor)')}) as quantity
     ${from} where ${counted}
     group by rc.release_id, rc.unit_id, rc.period, rc.province_code, coalesce(c.code, rc.isic_class || '*'), coalesce(c.unit_of_measure_code, bu.code)`,
    uncounted: `select count(*)::int as n ${from} where not (${counted})`,
  };
}

/**
 * The product contributions of a release whose value contributions are stored. Returns how many
 * product lines were counted and how many could not be.
 */
export async function storeProductContributions(releaseId: number, k: Knex): Promise<{ lines: number; uncounted: number }> {
  const lines = productLinesOf('(select * from release_contributions where release_id = :id)');
  const inserted = await k.raw(
    `insert into release_product_contributions (release_id, unit_id, period, province_code, product, unit_of_measure_code, quantity) ${lines.select}`,
    { id: releaseId },
  );
  const [{ n }] = (await k.raw(lines.uncounted, { id: releaseId })).rows as { n: number }[];
  return { lines: Number(inserted.rowCount ?? 0), uncounted: Number(n) };
}

/** The product problems of a set of releases (published patterns per release): one per family. */
export function productProblems(rows: readonly BaseRow[], releases: readonly ReleaseInProblem[], rules: DisclosureRules): Problem[] {
  return [...productFamilies(packRows(rows, QUANTITY_SPACE.measures), releases, rules).problems];
}

/**
 * The product families' problems, each built when the iteration reaches it (once: a national
 * release's 450 families need not all be in memory at once), and how many there are.
 */
export function productFamilies(rows: PackedRows, releases: readonly ReleaseInProblem[], rules: DisclosureRules, opts: ProblemOptions = {}): { count: number; problems: Iterable<Problem> } {
  const families = new Map<string, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const f = familyOf(rows.names[rows.category[i]]);
    const list = families.get(f);
    if (list) list.push(i); else families.set(f, [i]);
  }
  const keys = [...families.keys()].sort();
  const foresight = releases.filter((r) => r.foresight);
  function* problems(): Generator<Problem> {
    for (const f of keys) {
      const own = families.get(f)!.map((i) => unpackRow(rows, i));
      families.delete(f);
      const problem = buildProblem(own, releases, rules, QUANTITY_SPACE, opts);
      if (foresight.length) {
        const without = new Set([...(opts.without ?? []), ...foresight.map((r) => r.id)]);
        plainOf.set(problem, () => buildProblem(own, releases.filter((r) => !r.foresight), rules, QUANTITY_SPACE, { ...opts, without }));
      }
      yield problem;
    }
  }
  return { count: keys.length, problems: problems() };
}

/** Each family problem with foresight releases, and how to build it without them (while the problem lives). */
const plainOf = new WeakMap<Problem, () => Problem>();

/** The quantities as a stored space (store.ts): their contributions, in release_product_contributions or read from the filings. */
export const QUANTITY_STORE: StoredSpace = {
  ...QUANTITY_SPACE,
  name: 'products',
  contributions: (sources) => `
    select release_id, unit_id, period, province_code, product || '~' || unit_of_measure_code as category, quantity
      from release_product_contributions where release_id = any(:ids)
    ${sources ? `union all select release_id, unit_id, period, province_code, product || '~' || unit_of_measure_code, quantity from (${productLinesOf(`(${sources.sql})`).select}) p` : ''}`,
  amounts: [{ column: 'quantity', measure: 'quantity', exact: toMicro }],
  problems: productProblems,
};

export type { ProductProtectionReport } from './types.ts'; // protect-job.ts reads it here

export interface ProductCellRow { release_id: number; geo: string; product: string; unit_of_measure_code: string; measure: 'quantity' | 'units'; value: string | null; suppressed: boolean; primary: boolean }

/**
 * Protects the product cells of the release being built, family by family, and returns the rows
 * to store with the report. Throws ProtectionFailure (from protect.ts) when a family cannot be
 * protected; an audit that still finds a cell inside its interval is the caller's refusal.
 */
export async function protectProducts(families: { count: number; problems: Iterable<Problem> }, releaseId: number, opts: { countOf: (members: readonly BaseCell[]) => number; log?: (line: string) => void; cleanupSeconds?: number; seedOf?: (problem: Problem) => ReadonlySet<string>; onFamily?: () => void; onProtected?: (problem: Problem, protection: Protection) => void }): Promise<{ rows: ProductCellRow[]; report: ProductProtectionReport }> {
  const started = performance.now();
  const rows: ProductCellRow[] = [];
  const audit: AuditSummary = { sensitive: 0, exact: 0, inside: 0, lps: 0, byAttacker: emptyByAttacker() };
  let cells = 0;
  let suppressedCount = 0;
  // No clean-up by default: at 100,000 units it gave back 3 of 19,223 suppressed product cells for
  // 3–6 s (families are small, and their secondary cells are rarely redundant).
  const cleanupSeconds = (opts.cleanupSeconds ?? 0) / Math.max(1, families.count);
  for (let problem of families.problems) {
    let mine = problem.cells.get(releaseId);
    opts.onFamily?.();
    if (!mine || mine.size === 0) continue;
    let protection: Protection;
    try {
      protection = await protectRelease(problem, releaseId, { cleanupSeconds, seed: opts.seedOf?.(problem) });
    } catch (e) {
      // Foresight is a help, never a new dead end (as for the values, protect-job.ts): without it
      // the family is protected against what is published.
      const plain = e instanceof ProtectionFailure ? plainOf.get(problem) : undefined;
      if (!plain) throw e;
      problem = plain();
      mine = problem.cells.get(releaseId)!;
      opts.log?.(`family ${familyOf(problem.bases[0].category)}: foresight left out: ${(e as Error).message}`);
      protection = await protectRelease(problem, releaseId, { cleanupSeconds, seed: opts.seedOf?.(problem) });
    }
    opts.onProtected?.(problem, protection);
    audit.sensitive += problem.targets.filter((t) => !t.foresight).length;
    audit.exact += protection.audit.exact;
    audit.inside += protection.audit.inside;
    audit.lps += protection.audit.lps;
    addByAttacker(audit.byAttacker!, protection.audit.byAttacker);
    for (const c of mine.values()) {
      const members = c.bases.map((i) => problem.bases[i]);
      let q = 0n;
      for (const b of members) q += b.total.quantity;
      const suppressed = !protection.published.has(c.key);
      const { product, uom } = splitNode(c.node);
      cells++;
      if (suppressed) suppressedCount++;
      rows.push({ release_id: releaseId, geo: c.geo, product, unit_of_measure_code: uom, measure: 'quantity', value: suppressed ? null : fromMicro(q), suppressed, primary: protection.primary.has(c.key) });
      rows.push({ release_id: releaseId, geo: c.geo, product, unit_of_measure_code: uom, measure: 'units', value: suppressed ? null : String(opts.countOf(members)), suppressed, primary: protection.primary.has(c.key) });
    }
  }
  const seconds = Math.round(performance.now() - started) / 1000;
  opts.log?.(`products: ${families.count} families, ${cells} cells, ${suppressedCount} suppressed, ${audit.sensitive} sensitive, ${seconds.toFixed(1)} s`);
  return { rows, report: { cells, suppressed: suppressedCount, families: families.count, lines: 0, uncounted: 0, audit, seconds } }; // lines and uncounted: filled by the store
}

export const emptyByAttacker = (): Record<AttackerKind, AttackerSummary> => ({ outsider: { sensitive: 0, exact: 0, inside: 0 }, insider: { sensitive: 0, exact: 0, inside: 0 }, revision: { sensitive: 0, exact: 0, inside: 0 } });

export function addByAttacker(into: Record<AttackerKind, AttackerSummary>, more: Record<AttackerKind, AttackerSummary>): void {
  for (const k of Object.keys(into) as AttackerKind[]) for (const f of ['sensitive', 'exact', 'inside'] as const) into[k][f] += more[k][f];
}

/**
 * Per release of a group, what each attacker was checked on and found, from one audit of the
 * group's problem: outsiders over the release's cells and parts, revisions over its changes,
 * insiders over its two-contributor expressions.
 */
export function byAttackerPerRelease(problem: Problem, result: AuditResult, release: number): Record<AttackerKind, AttackerSummary> {
  const out = emptyByAttacker();
  problem.targets.forEach((t, i) => {
    if (t.release !== release || t.foresight) return;
    const s = out[t.kind === 'change' ? 'revision' : 'outsider'];
    s.sensitive++;
    if (result.outsideExactTargets.has(i)) s.exact++;
    if (result.exposures.some((e) => e.target === i && e.insider === undefined)) s.inside++;
  });
  for (const i of result.insiders.checked) {
    if (problem.targets[i].release !== release) continue;
    out.insider.sensitive++;
    if (result.insiders.exact.has(i)) out.insider.exact++;
    if (result.insiders.inside.has(i)) out.insider.inside++;
  }
  return out;
}
