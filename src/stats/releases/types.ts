// What a stored release says about itself (releases.report), shown to the statistics office and
// printed by `stats:release` / `stats:audit`. Nothing here names a cell or a unit.

import type { AttackerKind, AttackerSummary } from './attack.ts';

export const RELEASE_MEASURES = ['production_value', 'value_added', 'intermediate_consumption', 'employees', 'units'] as const;
export type ReleaseMeasure = (typeof RELEASE_MEASURES)[number];

export interface AuditSummary {
  sensitive: number; // protected expressions checked: sensitive cells of every linked release and their parts
  exact: number; // recovered exactly by the attacker
  inside: number; // narrowed to within the protection interval (exact ones included)
  lps: number; // linear programmes solved
  /** Per attacker (issue 22): outsider (cells and parts), insider (two-contributor expressions), revision (changes between releases). */
  byAttacker?: Record<AttackerKind, AttackerSummary>;
}

/** The product dimension of a release's report (products.ts). */
export interface ProductProtectionReport {
  cells: number;
  suppressed: number;
  families: number;
  lines: number; // unit-month-product contributions counted
  uncounted: number; // product lines left out of quantities (unknown unit of measure, or another dimension than the code's)
  audit: AuditSummary;
  seconds: number;
}

export interface ProtectionReport {
  /**
   * Releases stored between issue 22 and the allowances (session 4) only: the earlier releases
   * pinned an expression within issue 22's levels and the values were protected under the basic
   * rules; the reason the full rules gave. Later releases hold such sides instead (`held`).
   */
  basicRules?: string;
  /**
   * Sides of sensitive expressions that the earlier releases of the group already pinned closer
   * than their level (DESIGN §7, no dead ends): this release narrows them no further than those
   * did. The count of sides and expressions, and the first of them with the releases that pin them.
   */
  held?: { sides: number; expressions: number; cells: HeldSide[] };
  cells: number; // published cells of one measure (the pattern is the same for every measure)
  suppressed: number;
  informationLoss: number; // share of the release's production value hidden in suppressed inner cells (0..1)
  linked: number[]; // ids of the earlier releases protected together with this one
  audit: AuditSummary;
  seconds: { load: number; protect: number; audit: number; store: number; wall?: number };
  products?: ProductProtectionReport; // the product dimension (absent in releases stored before it)
  /** Headline cells (DESIGN §7) left suppressed: primary ones, and any the protection could not avoid (absent before issue 20). */
  headline?: { hidden: string[]; primary: string[] };
  /** The later releases protected ahead (foresight), their expressions, and how many the earlier releases already pinned. */
  foresight?: { releases: number; expressions: number; left: number };
  /** The stored proof (issue 21): expressions and sides it answers for, witnesses, the LPs that found them, sides left without one, seconds (absent before migration 160). */
  proof?: { expressions: number; sides: number; witnesses: number; lps: number; uncovered: number; seconds: number };
}

/** One held side: where, which attacker, the level asked and the shift the earlier releases leave (as shares of the expression), and those releases (ids; 0 is this one). */
export interface HeldSide { space: string; cell: string; release: number; kind: string; measure: string; side: 'up' | 'down'; insider: boolean; levelShare: number | null; allowedShare: number | null; blockers: number[] }

export interface ReleaseRules { minUnits: number; dominance: number; pPercent?: number; interval: number }

export interface ReleaseRow {
  id: number;
  period: string;
  kind: 'month' | 'quarter' | 'year';
  preliminary: boolean;
  revision: number;
  cut_off: Date;
  created_by: number | null;
  created_at: Date;
  rules: ReleaseRules;
  report: ProtectionReport;
}

export type PublishOutcome =
  | { ok: true; release: ReleaseRow }
  | { ok: false; reason: string; report?: Partial<ProtectionReport>; cancelled?: true; failed?: true };
