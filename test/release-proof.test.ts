import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUnit } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { db, serverUrlOf } from '../src/db.ts';
import { publishRelease } from '../src/stats/releases/publish.ts';
import { parseReferencePeriod } from '../src/stats/releases/period.ts';
import { verifyStoredReleases } from '../src/stats/releases/proof-verify.ts';
import type { StoredProof } from '../src/stats/releases/proof.ts';

// Issue 21: every release stores its proof; `stats:audit --verify` re-checks it from the stored
// contributions and cells without a solver, and says no when a published cell or a witness was
// changed after the fact.

let t: TestDatabase;
const period = (code: string) => parseReferencePeriod(code)!;
const Q1 = ['1404-01', '1404-02', '1404-03'];
const MILK = '1050100010';

async function unitsFiling(n: number, province: string, isic: string, months: string[], pv: number, produced?: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const u = await createUnit({ province_code: province, isic_class: isic, products: produced ? [{ name: 'شیر', unit_of_measure: 'تن', annual_capacity: 1_000_000 }] : undefined });
    if (produced) await db()('products').where({ id: u.productIds[0] }).update({ catalogue_code: MILK });
    for (const m of months) {
      await createFiling({
        unitId: u.id, period: m, state: 'verified', productionValue: pv + i * 7, intermediateConsumption: Math.floor(pv / 3), employees: 10 + i,
        lines: produced ? [{ product_id: u.productIds[0], produced: produced + i * 3, sold: 0, sales_value: 0 }] : undefined,
      });
    }
  }
}

beforeAll(async () => {
  t = await freshDatabase();
  await db()('catalogue').insert({ code: MILK, isic_class: '1050', name_fa: 'شیر پاستوریزه', unit_of_measure_code: 't', active_from: '1403-01' });
  await unitsFiling(3, '23', '1050', Q1, 9_000_000_000, 400);
  await unitsFiling(1, '10', '1050', Q1, 7_000_000_000, 900); // alone: its milk and its values are sensitive
  await unitsFiling(4, '10', '1050', ['1404-02'], 2_000_000_000, 100);
  await unitsFiling(4, '23', '1071', Q1, 2_000_000_000);
  await unitsFiling(1, '23', '1072', Q1, 7_000_000_000); // alone in its class and group
  await unitsFiling(3, '10', '1071', Q1, 1_500_000_000);
  await unitsFiling(1, '10', '1072', ['1404-01'], 6_000_000_000); // alone, and only in Farvardin
  await unitsFiling(3, '10', '1072', ['1404-02', '1404-03'], 900_000_000);
  for (const [code, preliminary] of [['1404-01', false], ['1404-02', false], ['1404-Q1', false]] as const) {
    const r = await publishRelease({ period: period(code), preliminary, userId: null });
    if (!r.ok) throw new Error(r.reason);
    expect(r.release.report.proof?.uncovered).toBe(0);
  }
}, 300_000);
afterAll(() => t.close());

describe('the stored proof of every release (issue 21)', () => {
  it('each release stores witnesses for its values and its product family, and all of them verify without a solver', async () => {
    const spaces = await db()('release_proofs').orderBy(['release_id', 'space']).select('release_id', 'space');
    expect(spaces.map((s) => s.space)).toContain('values');
    expect(spaces.some((s) => s.space === 'products:1050~t')).toBe(true);
    const verified = await verifyStoredReleases();
    expect(verified).toHaveLength(3);
    for (const v of verified) {
      expect(v.failures).toEqual([]);
      expect(v.proved).toBe(true);
      expect(v.expressions).toBeGreaterThan(0);
      expect(v.witnesses).toBeGreaterThan(0);
    }
  });

  it('a published cell changed after the fact is caught', async () => {
    const quarter = await db()('releases').where({ period: '1404-Q1' }).first('id');
    const cell = await db()('release_cells').where({ release_id: quarter.id, geo: 'IR', node: 'T', measure: 'production_value' }).first();
    await db()('release_cells').where({ release_id: quarter.id, geo: 'IR', node: 'T', measure: 'production_value' }).update({ value: String(BigInt(cell.value) + 1n) });
    try {
      const [v] = await verifyStoredReleases(db(), [quarter.id]);
      expect(v.proved).toBe(false);
      expect(v.failures.join('\n')).toMatch(/published cell IR\|T production_value/);
    } finally {
      await db()('release_cells').where({ release_id: quarter.id, geo: 'IR', node: 'T', measure: 'production_value' }).update({ value: cell.value });
    }
  });

  it('a hidden cell published after the fact is caught', async () => {
    const quarter = await db()('releases').where({ period: '1404-Q1' }).first('id');
    const hidden = await db()('release_cells').where({ release_id: quarter.id, suppressed: true, measure: 'production_value' }).first('geo', 'node');
    const before = await db()('release_cells').where({ release_id: quarter.id, geo: hidden.geo, node: hidden.node }).select('measure', 'value', 'suppressed');
    // The true figures, as the tamperer would have them.
    const [v0] = await verifyStoredReleases(db(), [quarter.id]);
    expect(v0.proved).toBe(true);
    const truth = await db().raw(`select coalesce(sum(production_value),0)::text pv, coalesce(sum(intermediate_consumption),0)::text ic from release_contributions where release_id = ? and (? = 'IR' or province_code = ?) and isic_class like ?`, [quarter.id, hidden.geo, hidden.geo, `${hidden.node === 'T' ? '' : hidden.node}%`]);
    const pv: string = truth.rows[0].pv;
    await db()('release_cells').where({ release_id: quarter.id, geo: hidden.geo, node: hidden.node }).update({ suppressed: false, value: '0' });
    await db()('release_cells').where({ release_id: quarter.id, geo: hidden.geo, node: hidden.node, measure: 'production_value' }).update({ value: pv });
    try {
      const [v] = await verifyStoredReleases(db(), [quarter.id]);
      expect(v.proved).toBe(false);
    } finally {
      for (const b of before) await db()('release_cells').where({ release_id: quarter.id, geo: hidden.geo, node: hidden.node, measure: b.measure }).update({ value: b.value, suppressed: b.suppressed });
    }
  });

  it('a tampered witness is caught', async () => {
    const quarter = await db()('releases').where({ period: '1404-Q1' }).first('id');
    const row = await db()('release_proofs').where({ release_id: quarter.id, space: 'values' }).first('proof');
    const proof = (typeof row.proof === 'string' ? JSON.parse(row.proof) : row.proof) as StoredProof;
    const tampered = structuredClone(proof);
    tampered.witnesses[0].s[0] = String(BigInt(tampered.witnesses[0].s[0]) * 3n);
    await db()('release_proofs').where({ release_id: quarter.id, space: 'values' }).update({ proof: JSON.stringify(tampered) });
    try {
      const [v] = await verifyStoredReleases(db(), [quarter.id]);
      expect(v.proved).toBe(false);
      expect(v.failures.join('\n')).toMatch(/changes a published cell/);
      // A proof with its last witness dropped leaves a side uncovered: the proof keeps a witness only
      // when it covers a side none before it did, and none came after the last.
      const fewer = structuredClone(proof);
      fewer.witnesses = fewer.witnesses.slice(0, -1);
      await db()('release_proofs').where({ release_id: quarter.id, space: 'values' }).update({ proof: JSON.stringify(fewer) });
      const [w] = await verifyStoredReleases(db(), [quarter.id]);
      if (proof.witnesses.length > 0) expect(w.failures.join('\n')).toMatch(/no witness moves/);
    } finally {
      await db()('release_proofs').where({ release_id: quarter.id, space: 'values' }).update({ proof: JSON.stringify(proof) });
    }
  });

  // The CLI needs a database it can open from another process: the server one (skipped, not passed, on PGlite).
  it.skipIf(!process.env.DATABASE_URL)('npm run stats:audit -- --verify checks every release and exits 0', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/stats-audit.ts', '--verify'], { env: { ...process.env, DATABASE_URL: t.url! }, timeout: 60_000 });
    expect(stdout).toMatch(/every one verified/);
  }, 180_000);
});

describe('a release whose protection thread runs out of its heap', () => {
  it('reads its inputs again for a thread with twice the heap, and stores a release whose proof verifies', async () => {
    const lines: string[] = [];
    const r = await publishRelease({ period: period('1404-03'), preliminary: false, userId: null, heapMb: 4, log: (l) => lines.push(l) });
    if (!r.ok) throw new Error(r.reason);
    // The instance keeps no copy of the rows while the thread works: each larger thread is given them read afresh.
    const ranOut = lines.filter((l) => /ran out of its \d+ MB heap: read again for one with \d+/.test(l));
    expect(ranOut.length).toBeGreaterThan(0);
    expect(ranOut[0]).toMatch(/its 4 MB heap: read again for one with 8/);
    // On a PostgreSQL server each thread reads them itself, so the instance never holds the rows (a
    // thread's log lines end with its heap; the smallest threads run out while reading); on the
    // embedded database the instance reads them for each thread.
    const server = serverUrlOf(db()) !== null;
    expect(server).toBe(Boolean(process.env.DATABASE_URL));
    const reads = lines.filter((l) => l.startsWith('read '));
    if (server) expect(reads.length).toBeGreaterThanOrEqual(1); else expect(reads.length).toBe(ranOut.length + 1);
    for (const l of reads) expect(l.includes('[thread heap')).toBe(server);
    const [v] = await verifyStoredReleases(db(), [r.release.id]);
    expect(v.proved).toBe(true);
  }, 300_000);
});

describe('a release whose filings change while it is protected', () => {
  // The store checks, in its transaction, that the filings counted are still those read; if not,
  // the release is read and protected again (on a server all of it in the thread: publish.ts).
  // (then(): a query builder runs only once asked for its result, and this one must run now)
  const touchAFiling = (month: string): Promise<number> => db()('filings').where({ id: db()('filings').where({ period: month }).min('id') }).update({ updated_at: db().fn.now() }).then((n) => n);

  it('is read and protected again, then stored from the filings as they are', async () => {
    const lines: string[] = [];
    let touched: Promise<unknown> | null = null;
    const r = await publishRelease({ period: period('1404-03'), preliminary: false, userId: null, log: (l) => { lines.push(l); if (l.startsWith('values problem') && !touched) touched = touchAFiling('1404-03'); } });
    await touched;
    if (!r.ok) throw new Error(r.reason);
    expect(lines.filter((l) => l.startsWith('inputs changed while protecting: again'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('read '))).toHaveLength(2);
    const [v] = await verifyStoredReleases(db(), [r.release.id]);
    expect(v.proved).toBe(true);
  }, 300_000);

  it('gives up after three tries with a Persian reason, storing nothing', async () => {
    const before = await db()('releases').count({ n: '*' }).first();
    const touches: Promise<unknown>[] = [];
    const r = await publishRelease({ period: period('1404-02'), preliminary: false, userId: null, log: (l) => { if (l.startsWith('values problem')) touches.push(touchAFiling('1404-02')); } });
    await Promise.all(touches);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/پیاپی تغییر کردند/);
    expect(touches).toHaveLength(3);
    expect(await db()('releases').count({ n: '*' }).first()).toEqual(before);
  }, 300_000);
});
