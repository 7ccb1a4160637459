import type { Knex } from 'knex';
import { db } from '../../db.ts';
import type { ReferencePeriod } from './period.ts';
import type { PublishOutcome } from './types.ts';

export interface PublishRequest { period: ReferencePeriod; preliminary: boolean; userId: number | null; at?: Date }

/** Builds, protects, audits and stores a release of `period` from the filings as they stand now. */
export async function publishRelease(_req: PublishRequest, _k: Knex = db()): Promise<PublishOutcome> {
  throw new Error('publishRelease: being written');
}
