// DESIGN §7 disclosure control, as pure functions over a grid of per-unit contributions.
//
// Decisions worth knowing:
// - Dominance is judged on absolute contributions: value added can be negative, and a unit with
//   −90 beside two units with +5 is as exposed as one with +90. A cell whose absolute
//   contributions sum to 0 has no dominant contributor (only the count rule applies).
// - A cell with no contributing unit is "empty": it is published as empty ("—"), reveals nothing
//   about any unit, is never suppressed and never chosen to protect another cell (an empty cell is
//   known to be 0, so hiding it would protect nothing).
// - Secondary suppression treats the totals as part of the table's equations: with a totals
//   column, every row (the totals row included) is an equation "cells = row total"; with a totals
//   row, every column (the totals column included) is "cells = column total". A total cell that
//   fails the primary rule is suppressed like any other and then takes part in those equations.
// - The cell added in a line with exactly one suppressed cell is the non-suppressed, non-empty
//   inner cell of smallest absolute value (least information lost); the line's total only when no
//   inner cell is left. Ties go to the first cell in reading order, so the result is deterministic.

export type Suppression = 'primary' | 'secondary' | null;

export interface DisclosureRules {
  minUnits: number; // a cell needs at least this many contributing units
  dominance: number; // and no single unit above this share of the cell (0.85 = rule (1, 85))
}

/** One cell: each contributing unit's amount (totals carry the per-unit sums of their line). */
export interface GridCell {
  contributions: readonly number[];
  value: number;
}

/**
 * A table with its totals included: if `totalRow`, the last row holds the column totals; if
 * `totalCol`, the last column holds the row totals (and their corner cell is the grand total).
 */
export interface Grid {
  cells: GridCell[][];
  totalRow: boolean;
  totalCol: boolean;
}

/** Primary rule: fewer than minUnits contributors, or the largest |contribution| above the dominance share. */
export function isPrimaryConfidential(contributions: readonly number[], rules: DisclosureRules): boolean {
  const n = contributions.length;
  if (n === 0) return false;
  if (n < rules.minUnits) return true;
  let total = 0;
  let largest = 0;
  for (const c of contributions) {
    const a = Math.abs(c);
    total += a;
    if (a > largest) largest = a;
  }
  return total > 0 && largest > rules.dominance * total;
}

/** The equations of the grid: each as the list of its cells, the total cell last. */
export function gridLines(grid: Grid): [number, number][][] {
  const rows = grid.cells.length;
  const cols = rows ? grid.cells[0].length : 0;
  const lines: [number, number][][] = [];
  if (grid.totalCol && cols > 1) {
    for (let r = 0; r < rows; r++) lines.push(Array.from({ length: cols }, (_, c) => [r, c] as [number, number]));
  }
  if (grid.totalRow && rows > 1) {
    for (let c = 0; c < cols; c++) lines.push(Array.from({ length: rows }, (_, r) => [r, c] as [number, number]));
  }
  return lines;
}

/** Primary then secondary suppression; returns the pattern with the grid's shape. */
export function suppressGrid(grid: Grid, rules: DisclosureRules): Suppression[][] {
  const pattern: Suppression[][] = grid.cells.map((row) => row.map((cell) => (isPrimaryConfidential(cell.contributions, rules) ? 'primary' : null)));
  const lines = gridLines(grid);
  const isEmpty = (r: number, c: number) => grid.cells[r][c].contributions.length === 0;
  for (;;) {
    const line = lines.find((l) => l.filter(([r, c]) => pattern[r][c] !== null).length === 1);
    if (!line) break;
    const inner = line.slice(0, -1);
    const pick = smallestOpen(grid, pattern, inner, isEmpty) ?? smallestOpen(grid, pattern, line.slice(-1), isEmpty);
    if (!pick) throw new Error('secondary suppression found no cell to protect a suppressed cell');
    pattern[pick[0]][pick[1]] = 'secondary';
  }
  return pattern;
}

function smallestOpen(grid: Grid, pattern: Suppression[][], cells: [number, number][], isEmpty: (r: number, c: number) => boolean): [number, number] | undefined {
  let best: [number, number] | undefined;
  let bestValue = Infinity;
  for (const [r, c] of cells) {
    if (pattern[r][c] !== null || isEmpty(r, c)) continue;
    const v = Math.abs(grid.cells[r][c].value);
    if (v < bestValue) { bestValue = v; best = [r, c]; }
  }
  return best;
}

/** Lines (equations) that still have exactly one suppressed cell: must be none after suppressGrid. */
export function recoverableLines(grid: Grid, pattern: Suppression[][]): [number, number][][] {
  return gridLines(grid).filter((l) => l.filter(([r, c]) => pattern[r][c] !== null).length === 1);
}
