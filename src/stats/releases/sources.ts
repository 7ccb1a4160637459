import type { Knex } from 'knex';

// What a release that is not stored yet would count, read straight from the filings: the release
// being built (id 0 until it is stored) and the releases its period will be combined with later
// (DESIGN §7 foresight, negative ids). Stored releases are read from their own contributions.

export interface UnstoredRelease { id: number; code: string; months: readonly string[]; preliminary: boolean }

export interface SourceSql { sql: string; bindings: Record<string, unknown> }

/** The release being built, before it has an id of its own. */
export const BUILDING = 0;

/** A final release counts verified filings; a preliminary one submitted ones too. */
export const countedStates = (preliminary: boolean): string[] => (preliminary ? ['verified', 'submitted'] : ['verified']);

/** One row per release, unit and month: the figures the filings give now (as release_contributions holds them). */
export function sourceContributions(releases: readonly UnstoredRelease[], cutOff: Date): SourceSql {
  return {
    sql: `select s.id as release_id, f.unit_id, f.period, u.province_code, u.isic_class,
                 coalesce(f.production_value, 0) as production_value, coalesce(f.intermediate_consumption, 0) as intermediate_consumption,
                 coalesce(f.employees, 0) as employees
            from jsonb_to_recordset(:sources::jsonb) as s(id int, months text[], states text[])
            join filings f on f.period = any(s.months) and f.state = any(s.states) and f.first_submitted_at <= :cut
            join units u on u.id = f.unit_id`,
    bindings: { sources: JSON.stringify(releases.map((r) => ({ id: r.id, months: r.months, states: countedStates(r.preliminary) }))), cut: cutOff },
  };
}

/**
 * What the release's inputs are now: its filings (each one's revision and state) and the stored
 * releases of its year. Read before protecting and again in the transaction that stores: when
 * they differ, the protection was of other data and is done again.
 */
export async function inputsNow(rel: UnstoredRelease, cutOff: Date, k: Knex): Promise<string> {
  const res = await k.raw(
    `select count(*)::int as n,
            md5(coalesce(string_agg(f.id || ':' || f.revision || ':' || f.state || ':' || f.updated_at, ',' order by f.id), '')) as filings,
            (select coalesce(string_agg(r.id::text, ',' order by r.id), '') from releases r where r.period like :year) as releases
       from filings f
      where f.period = any(:months) and f.state = any(:states) and f.first_submitted_at <= :cut`,
    { months: [...rel.months], states: countedStates(rel.preliminary), cut: cutOff, year: `${rel.code.slice(0, 4)}%` },
  );
  const row = res.rows[0] as { n: number; filings: string; releases: string };
  return `${Number(row.n)}|${row.filings}|${row.releases}`;
}
