import type { Knex } from 'knex';
import { hashPassword } from '../src/auth/passwords.ts';
import type { Role } from '../src/auth/users.ts';

export const DEMO_PASSWORD = 'demo-1404-pass';

export interface DemoAccount { email: string; role: Role; province_code: string | null; full_name: string }

export const demoStaff: readonly DemoAccount[] = [
  { email: 'admin@demo.ir', role: 'admin', province_code: null, full_name: 'مدیر سامانه' },
  { email: 'tehran@demo.ir', role: 'province_officer', province_code: '23', full_name: 'کارشناس آمار استان تهران' },
  { email: 'isfahan@demo.ir', role: 'province_officer', province_code: '10', full_name: 'کارشناس آمار استان اصفهان' },
  { email: 'stats@demo.ir', role: 'stats_office', province_code: null, full_name: 'کارشناس دفتر آمار و فرآوری داده‌ها' },
  { email: 'planning@demo.ir', role: 'planning_deputy', province_code: null, full_name: 'کارشناس معاونت برنامه‌ریزی' },
];

/** Creates the demo staff accounts (one per role) and returns their ids by email. */
export async function seedDemoStaff(k: Knex, hash?: string): Promise<Map<string, number>> {
  hash ??= await hashPassword(DEMO_PASSWORD);
  const ids = new Map<string, number>();
  for (const a of demoStaff) {
    const [row] = await k('users').insert({ ...a, password_hash: hash }).onConflict(k.raw('(lower(email))')).ignore().returning('id');
    const id = row?.id ?? (await k('users').whereRaw('lower(email) = ?', [a.email]).first('id')).id;
    ids.set(a.email, id);
  }
  return ids;
}

/** The demo officer of every province (besides the staff accounts above): officer-08@demo.ir for Kerman. */
export const provinceOfficerEmail = (provinceCode: string): string => `officer-${provinceCode}@demo.ir`;
