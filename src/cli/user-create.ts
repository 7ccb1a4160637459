// npm run user:create -- --email E --role ROLE [--province CODE] [--name NAME] [--password P]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { parseForm, FormError } from '../forms.ts';
import { createStaffUser } from '../admin/users.ts';
import { staffUserForm, CREATABLE_ROLES } from '../admin/forms.ts';

export const USAGE = `usage: npm run user:create -- --email E --role ROLE [--province CODE] [--name NAME] [--password P]
  ROLE: ${CREATABLE_ROLES.join(', ')}; --province (two-digit code, e.g. 23 for Tehran) is required for province_officer.
  Without --password a one-time activation link is printed.`;

export interface CliOutcome { code: number; out: string[]; err: string[] }

/** The whole command as a function of its arguments, so tests can call it. */
export async function runUserCreate(argv: string[], k: Knex): Promise<CliOutcome> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((a) => a !== '--'),
      options: { email: { type: 'string' }, role: { type: 'string' }, province: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return { code: 2, out: [], err: [(e as Error).message, USAGE] };
  }
  if (values.help) return { code: 0, out: [USAGE], err: [] };
  if (!values.email || !values.role) return { code: 2, out: [], err: ['--email and --role are required.', USAGE] };
  if (!(CREATABLE_ROLES as readonly string[]).includes(values.role)) return { code: 2, out: [], err: [`unknown role "${values.role}"; use one of: ${CREATABLE_ROLES.join(', ')}`] };
  if (values.role === 'province_officer' && !values.province) return { code: 2, out: [], err: ['--province CODE is required for province_officer (e.g. --province 23 for Tehran).'] };
  if (values.password !== undefined && values.password.length < 10) return { code: 2, out: [], err: ['--password must be at least 10 characters.'] };
  const parsed = parseForm(staffUserForm, { email: values.email, full_name: values.name ?? values.email, role: values.role, province_code: values.province ?? '' });
  if (!parsed.ok) return { code: 2, out: [], err: Object.entries(parsed.errors).map(([f, m]) => `${f}: ${m}`) };
  try {
    const created = await createStaffUser({ ...parsed.data, password: values.password }, { id: null }, k);
    const out = [`created ${parsed.data.role} ${created.email} (id ${created.id})`];
    if (created.activationUrl) out.push(created.mailed ? `activation link emailed to ${created.email}: ${created.activationUrl}` : `one-time activation link: ${created.activationUrl}`);
    return { code: 0, out, err: [] };
  } catch (e) {
    if (e instanceof FormError) return { code: 1, out: [], err: Object.entries(e.errors).map(([f, m]) => `${f}: ${m}`) };
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { db, closeDb } = await import('../db.ts');
  const k = db();
  await k.migrate.latest();
  const { seedReference } = await import('../../seeds/reference.ts');
  await seedReference(k);
  const r = await runUserCreate(process.argv.slice(2), k);
  await closeDb();
  for (const line of r.out) console.log(line);
  for (const line of r.err) console.error(line);
  process.exit(r.code);
}
