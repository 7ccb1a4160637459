import { parseArgs } from 'node:util';
import { db, closeDb } from '../db.ts';
import { findUserByEmail } from '../auth/users.ts';
import { createApiToken } from '../api/auth.ts';
import { audit } from '../audit.ts';

// `npm run api:token -- --email USER_EMAIL [--name NAME]`: a new API token for an existing user
// of any role, printed once (for administrators setting up an integration).
const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } } });
if (!values.email) {
  console.error('usage: npm run api:token -- --email USER_EMAIL [--name NAME]');
  process.exit(2);
}
try {
  const user = await findUserByEmail(values.email, db());
  if (!user || !user.active) {
    console.error(`no active user with email ${values.email}`);
    process.exitCode = 1;
  } else {
    const { id, token } = await createApiToken(user.id, values.name ?? 'cli', db());
    await audit({ action: 'api_token.create', userId: user.id, target: `api_token:${id}`, details: { via: 'cli' } }, db());
    console.log(token);
  }
} finally {
  await closeDb();
}
