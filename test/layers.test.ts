import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { importGraph, cycles, wrongWayImports } from './support/import-graph.ts';

// Layers point one way (issue 26): routers → models and rules → the database; app.ts → routers
// and views.ts. No import cycle, type-only imports included, and nothing below the web layer
// imports it. Checked on src/ as it is, and on small planted trees to show the check can fail.

const SRC = path.resolve(import.meta.dirname, '..', 'src');

// None left since issue 26's stats half (the last were src/stats's): any cycle or wrong-way import
// fails. A list that grows again must be argued for.
const KNOWN_CYCLES: string[][] = [];
const KNOWN_WRONG_WAY: string[] = [];

let planted: string | undefined;
function plant(files: Record<string, string>): string {
  planted = fs.mkdtempSync(path.join(os.tmpdir(), 'psp-layers-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(planted, name)), { recursive: true });
    fs.writeFileSync(path.join(planted, name), text);
  }
  return planted;
}
afterAll(() => { if (planted) fs.rmSync(planted, { recursive: true, force: true }); });

describe('the import graph of src/', () => {
  it('has no cycle (a known one would be listed in KNOWN_CYCLES, to be mended)', () => {
    const found = cycles(importGraph(SRC));
    expect(found.filter((c) => !KNOWN_CYCLES.some((k) => JSON.stringify(k) === JSON.stringify(c)))).toEqual([]);
    for (const known of KNOWN_CYCLES) expect(found, `${known.join(' ↔ ')} is mended: take it off KNOWN_CYCLES`).toContainEqual(known);
  });

  it('no model, rule, job or command imports a router, app.ts or views.ts; no model imports express', () => {
    const wrong = wrongWayImports(SRC);
    expect(wrong.filter((w) => !KNOWN_WRONG_WAY.includes(w))).toEqual([]);
    for (const known of KNOWN_WRONG_WAY) expect(wrong, `${known} is mended: take it off KNOWN_WRONG_WAY`).toContain(known);
  });

  it('the units the checks rely on are seen: routers as web files, type-only imports as edges', () => {
    const graph = importGraph(SRC);
    expect(graph.get('app.ts')).toContain('auth/routes.ts');
    expect(graph.get('auth/guards.ts')).toContain('auth/users.ts'); // `import type`
  });
});

describe('the checks fail on a planted fault', () => {
  it('a cycle of two files, and a longer one made of type-only imports', () => {
    const root = plant({
      'a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
      'x/one.ts': "import type { Two } from './two.ts';\nexport type One = Two;\n",
      'x/two.ts': "import type { Three } from '../y/three.ts';\nexport type Two = Three;\n",
      'y/three.ts': "export type { One as Three } from '../x/one.ts';\n",
      'z.ts': "import { a } from './a.ts';\nexport const z = a;\n",
    });
    expect(cycles(importGraph(root))).toEqual([['a.ts', 'b.ts'], ['x/one.ts', 'x/two.ts', 'y/three.ts']]);
  });

  it('a model importing a router or views.ts, a rule importing views.ts, a model importing express', () => {
    const root = plant({
      'views.ts': 'export const fa = (n: number) => String(n);\n',
      'units/routes.ts': "import { Router } from 'express';\nexport const unitsRouter = () => Router();\n",
      'units/model.ts': "import { unitsRouter } from './routes.ts';\nimport type { Request } from 'express';\nexport const m = (r: Request) => [unitsRouter, r];\n",
      'filings/warnings.ts': "import { fa } from '../views.ts';\nexport const w = fa;\n",
      'app.ts': "import { unitsRouter } from './units/routes.ts';\nimport { fa } from './views.ts';\nexport const app = [unitsRouter, fa];\n",
    });
    expect(wrongWayImports(root)).toEqual(['filings/warnings.ts → views.ts', 'units/model.ts → express', 'units/model.ts → units/routes.ts']);
  });
});

describe('advisory locks', () => {

  it('every key is in the registry of src/locks.ts, each key once; every file that takes one names LOCKS', async () => {
    const { LOCKS } = await import('../src/locks.ts');
    const keys = Object.values(LOCKS);
    expect(new Set(keys).size).toBe(keys.length);
    const graph = importGraph(SRC);
    const takers = [...graph.keys()].filter((f) => f !== 'locks.ts' && /pg_(try_)?advisory_(xact_)?lock\(/.test(fs.readFileSync(path.join(SRC, f), 'utf8')));
    expect(takers.length).toBeGreaterThan(3);
    const unregistered = takers.filter((f) => !graph.get(f)!.includes('locks.ts') || /advisory_(xact_)?lock\((hashtext|\?::int)/.test(fs.readFileSync(path.join(SRC, f), 'utf8')));
    expect(unregistered).toEqual([]);
  });
});
