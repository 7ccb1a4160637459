// Every PostgreSQL advisory-lock key the portal takes, in one registry so that two kinds of work
// never share a key by accident. Keys are bigints; the "1387" in each is the circular's year.

export const LOCKS = {
  /** Preparing the database at start-up (migrations, reference and demo data): instances one after another (src/ops/startup-lock.ts). */
  prepareDatabase: 1387_0001,
  /** The nightly job (DESIGN §11): one run at a time across instances. */
  nightly: 70_531_387,
  /** Storing a release: one store transaction at a time (the revision number and the group are read inside it). */
  releaseStore: 1387_0011,
  /** Storing an index computation: one at a time (the month's first computation is decided inside it). */
  indexStore: 1387_0016,
  /** Publishing an index computation: one at a time (a month's publications never go backwards, read inside it). */
  indexPublish: 1387_0017,
  /** Claiming a background job of the statistics office: claims are serialised so one job runs per linked group. */
  statsJobClaim: 1387_0020,
} as const;
