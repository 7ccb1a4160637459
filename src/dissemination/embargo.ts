import type { Knex } from 'knex';
import type { CurrentUser } from '../auth/users.ts';

// Issue 27 §1, the embargo: a release stored before its announced instant is seen by the
// statistics office only, and by everyone else from that instant on, with nobody acting. The rule
// itself is the SQL function `announced_public_from` (migration 200): the first instant announced
// for the release's slot after it was stored, else the moment it was stored. Every reader of
// releases asks this module for its predicate; no reader compares dates itself.

/** Who is reading: the statistics office sees releases under embargo, nobody else does. */
export interface Viewer { readonly office: boolean }

export const OFFICE: Viewer = Object.freeze({ office: true });
export const PUBLIC: Viewer = Object.freeze({ office: false });

/** The viewer a signed-in user (or a token's user, or nobody) is. */
export function viewerOf(user: Pick<CurrentUser, 'role' | 'role_pending'> | null | undefined): Viewer {
  return user && user.role === 'stats_office' && !user.role_pending ? OFFICE : PUBLIC;
}

/** The instant a stored release (table `releases` under `alias`) is public from. */
export const releasePublicFromSql = (alias: string): string =>
  `announced_public_from(${alias}.period, release_slot(${alias}.preliminary, ${alias}.revision), ${alias}.created_at)`;

/** The instant a publication of the index (table `index_publications` under `alias`; issue 20 §4 keeps «release» for the office's releases) is public from. */
export const indexPublicationPublicFromSql = (alias: string): string =>
  `announced_public_from(${alias}.period, 'index', ${alias}.published_at)`;

/** SQL that is true for a release (`releases` as `alias`) the viewer may see now. */
export function releaseVisibleSql(viewer: Viewer, alias = 'releases'): string {
  return viewer.office ? 'true' : `${releasePublicFromSql(alias)} <= now()`;
}

/** SQL that is true for a publication of the index (`index_publications` as `alias`) the viewer may see now. */
export function indexPublicationVisibleSql(viewer: Viewer, alias = 'index_publications'): string {
  return viewer.office ? 'true' : `${indexPublicationPublicFromSql(alias)} <= now()`;
}

/** A knex where-callback form of releaseVisibleSql: `.where(visibleRelease(viewer, 'r'))`. */
export function visibleRelease(viewer: Viewer, alias = 'releases') {
  return (q: Knex.QueryBuilder): void => { q.whereRaw(releaseVisibleSql(viewer, alias)); };
}

/** A knex where-callback form of indexPublicationVisibleSql. */
export function visibleIndexPublication(viewer: Viewer, alias = 'index_publications') {
  return (q: Knex.QueryBuilder): void => { q.whereRaw(indexPublicationVisibleSql(viewer, alias)); };
}
