import { ALL_ACTIVITIES } from '../stats/releases/cube.ts';

// Issue 16 §6: which index cells are published. A node's index is the base-year value-added
// weighted mean of its children's, so a parent and all but one of its children (with their
// weights) give the last child away. A cell is suppressed when it fails the primary rule on its
// units' contributions; then, until nothing changes, every family (a parent and its children,
// one equation) with exactly one suppressed member suppresses its smallest published child as
// well — or the parent when no child is left.
// Weights of suppressed cells are not published either (index_published). Limits: docs/index.md.

export interface IndexNode {
  node: string; // 'T', a section letter, or an ISIC division, group or class code
  level: 'total' | 'section' | 'division' | 'group' | 'class';
  value: number; // base year = 100
  imputedShare: number;
  weightShare: number; // of the covered classes' base-year value added
  weight: number;
  contributors: number;
  primary: boolean; // fails the primary rule
  suppressed: boolean;
}

/** The parent of a node in the ISIC tree the index aggregates along. */
export function parentOf(node: string): string | null {
  if (node === ALL_ACTIVITIES) return null;
  if (/^[A-Z]$/.test(node)) return ALL_ACTIVITIES;
  if (node.length === 2) return Number(node) < 10 ? 'B' : 'C';
  return node.slice(0, node.length - 1);
}

export function protectTree(nodes: IndexNode[]): IndexNode[] {
  const byNode = new Map(nodes.map((n) => [n.node, n]));
  const children = new Map<string, IndexNode[]>();
  for (const n of nodes) {
    n.suppressed = n.primary;
    const p = parentOf(n.node);
    if (p === null || !byNode.has(p)) continue;
    const list = children.get(p);
    if (list) list.push(n); else children.set(p, [n]);
  }
  let changed = true;
  while (changed) {
    changed = false;
    for (const [p, kids] of children) {
      const parent = byNode.get(p)!;
      const hidden = kids.filter((c) => c.suppressed).length + (parent.suppressed ? 1 : 0);
      if (hidden !== 1) continue;
      const other = kids.filter((c) => !c.suppressed).sort((a, b) => a.weight - b.weight || a.node.localeCompare(b.node))[0];
      if (other) other.suppressed = true; else parent.suppressed = true;
      changed = true;
    }
  }
  return nodes;
}
