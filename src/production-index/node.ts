// A cell of the index of production (issue 16): its node of the ISIC tree, its level and figures.
// Shared by the computation (compute.ts) and the adjustment (adjustment.ts), which compute.ts calls.

const LEVELS = ['total', 'section', 'division', 'group', 'class'] as const;
export type IndexLevel = (typeof LEVELS)[number];
export const levelOfNode = (node: string): IndexLevel => (node === 'T' ? 'total' : /^[A-Z]$/.test(node) ? 'section' : LEVELS[node.length]);

export interface IndexNode {
  node: string; // 'T', a section letter, or an ISIC division, group or class code
  level: IndexLevel;
  value: number; // base year = 100
  imputedShare: number;
  weightShare: number; // of the covered classes' base-year value added
  weight: number;
  contributors: number; // owners of the units that filed the month (imputed units are none: see protection.ts)
  primary: boolean; // fails the primary rule
  suppressed: boolean;
  /** Issue 25 §2: its contribution to the nation's growth from the previous month (a ratio; null when that month was not computed). */
  contribution?: number | null;
  /** Issue 25 §2: the node's annual mean in the year its link is chained to (100 in the base year), set by chainCells. */
  refMean?: number;
}
