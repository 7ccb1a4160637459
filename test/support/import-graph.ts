import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// The import graph of src/, read with TypeScript's own pre-processor (every `import`, `import type`
// and `export … from` of a relative path), for the layering test (test/layers.test.ts).

export type Graph = Map<string, string[]>;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(full);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Files of `root` (relative to `root`, with `/`) and the files of `root` each one imports. */
export function importGraph(root: string, read: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): Graph {
  const graph: Graph = new Map();
  for (const file of filesUnder(root)) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    const imports = ts.preProcessFile(read(file), true, true).importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.relative(root, path.resolve(path.dirname(file), name)).split(path.sep).join('/'))
      .filter((target) => !target.startsWith('..'));
    graph.set(rel, [...new Set(imports)].sort());
  }
  return graph;
}

/**
 * Every cycle, as the strongly connected components of more than one file (or a file importing
 * itself), each sorted, found with Tarjan's algorithm.
 */
export function cycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/** A file that makes an Express router (`Router()`), or one of the web layer's own files. */
export function isWebFile(file: string, source: string): boolean {
  return /\bRouter\(\)/.test(source) || ['app.ts', 'server.ts', 'views.ts'].includes(file);
}

/**
 * The imports that point the wrong way, as `from → to`: a file outside the web layer (a model, a
 * rule, a job, a command) importing a router, app.ts, server.ts or views.ts (which hashes every
 * asset when it loads), and a model (`model.ts`) importing express or the web guards.
 */
export function wrongWayImports(root: string, read: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): string[] {
  const graph = importGraph(root, read);
  const source = (file: string) => read(path.join(root, file));
  const web = new Set([...graph.keys()].filter((f) => isWebFile(f, source(f))));
  const wrong: string[] = [];
  for (const [from, targets] of graph) {
    if (web.has(from)) continue;
    for (const to of targets) if (web.has(to)) wrong.push(`${from} → ${to}`);
    if (/(^|\/)model\.ts$/.test(from)) {
      if (/from\s+'express'/.test(source(from))) wrong.push(`${from} → express`);
      if (targets.includes('auth/guards.ts')) wrong.push(`${from} → auth/guards.ts`);
    }
  }
  return wrong.sort();
}
