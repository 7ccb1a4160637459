import type { Knex } from 'knex';
import { seedDemoStaff, DEMO_PASSWORD, demoStaff } from './accounts.ts';

export interface DemoSummary { accounts: { email: string; role: string; note: string }[]; password: string }

/** Demo data for a fresh installation: one account per role, units, filings. */
export async function seedDemo(k: Knex): Promise<DemoSummary> {
  await seedDemoStaff(k);
  return {
    password: DEMO_PASSWORD,
    accounts: demoStaff.map((a) => ({ email: a.email, role: a.role, note: a.full_name })),
  };
}
