// Issue 27 §3–4: revision statistics, as INSEE and the OECD's revisions database publish them.
// For each reference period with at least two published vintages, the revision is the latest
// estimate minus the first one; MR is the mean of the revisions, MAR the mean of their absolute
// values. For levels (national totals) the revision is relative to the first estimate, in percent
// ((latest − first) ÷ first × 100); for growth rates it is the difference in percentage points.
// Periods with a single vintage, or a first estimate of zero (for levels), are left out and counted.

export interface Vintage { publishedAt: Date; value: number }

export interface RevisionStats {
  n: number; // periods with at least two vintages
  mr: number | null;
  mar: number | null;
  revisions: { period: string; first: number; latest: number; revision: number }[];
}

function stats(revisions: RevisionStats['revisions']): RevisionStats {
  const n = revisions.length;
  if (!n) return { n, mr: null, mar: null, revisions };
  const sum = revisions.reduce((s, r) => s + r.revision, 0);
  const abs = revisions.reduce((s, r) => s + Math.abs(r.revision), 0);
  return { n, mr: sum / n, mar: abs / n, revisions };
}

/** First and latest vintage of each period, oldest publication first. */
function ends(series: ReadonlyMap<string, readonly Vintage[]>): { period: string; first: number; latest: number }[] {
  const out: { period: string; first: number; latest: number }[] = [];
  for (const [period, list] of [...series.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (list.length < 2) continue;
    const sorted = [...list].sort((a, b) => +a.publishedAt - +b.publishedAt);
    out.push({ period, first: sorted[0].value, latest: sorted[sorted.length - 1].value });
  }
  return out;
}

/** MR and MAR of levels, as percent of the first estimate. */
export function levelRevisions(series: ReadonlyMap<string, readonly Vintage[]>): RevisionStats {
  return stats(ends(series).filter((e) => e.first !== 0).map((e) => ({ ...e, revision: ((e.latest - e.first) / e.first) * 100 })));
}

/**
 * Growth rates in real time: the first estimate of period t's growth is t's first vintage over the
 * vintage of its base period (t−1 for month-on-month, t−12 for year-on-year) that was public when
 * t was first published; the latest estimate uses the latest vintage of both. Revisions in points.
 */
export function growthRevisions(series: ReadonlyMap<string, readonly Vintage[]>, baseOf: (period: string) => string): RevisionStats {
  const asOf = (period: string, at: Date | null): number | null => {
    const list = [...(series.get(period) ?? [])].sort((a, b) => +a.publishedAt - +b.publishedAt);
    const known = at ? list.filter((v) => +v.publishedAt <= +at) : list;
    return known.length ? known[known.length - 1].value : null;
  };
  const out: RevisionStats['revisions'] = [];
  for (const [period, list] of [...series.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!list.length) continue;
    const firstVintage = [...list].sort((a, b) => +a.publishedAt - +b.publishedAt)[0];
    const baseThen = asOf(baseOf(period), firstVintage.publishedAt);
    const baseNow = asOf(baseOf(period), null);
    const latest = asOf(period, null);
    if (baseThen === null || baseNow === null || latest === null || baseThen === 0 || baseNow === 0) continue;
    const first = (firstVintage.value / baseThen - 1) * 100;
    const last = (latest / baseNow - 1) * 100;
    // Counted once something it rests on was published again after its first estimate (else it
    // has had no chance of a revision, and a zero would only dilute MR and MAR).
    const later = (p: string) => (series.get(p) ?? []).some((v) => +v.publishedAt > +firstVintage.publishedAt);
    if (!later(period) && !later(baseOf(period))) continue;
    out.push({ period, first, latest: last, revision: last - first });
  }
  return stats(out);
}
