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
