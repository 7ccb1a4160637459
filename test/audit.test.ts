import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUnit, createUser, signIn } from './support/factories.ts';

// The audit log is written one way (src/audit.ts), in the transaction of what it records.

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

describe('the audit entry commits with what it records', () => {
  it('a certificate whose audit entry cannot be written is not issued either', async () => {
    const u = await createUnit({ province_code: '23', name: 'واحد گواهی بی‌ردپا' });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const { agent, csrf } = await signIn(app, user.email);
    // The audit log refuses this one entry (as a full disk or a lost connection would).
    await t.knex.raw(`alter table audit_log add constraint test_no_certificate_entry check (action <> 'certificate.issue') not valid`);
    try {
      await agent.post('/certificate').type('form').send({ _csrf: csrf }).expect(500);
    } finally {
      await t.knex.raw('alter table audit_log drop constraint test_no_certificate_entry');
    }
    expect(await t.knex('certificates').where({ unit_id: u.id })).toHaveLength(0);
    // With the log writable again, the certificate and its entry are stored together.
    await agent.post('/certificate').type('form').send({ _csrf: csrf }).expect(303);
    const [cert] = await t.knex('certificates').where({ unit_id: u.id });
    const entries = await t.knex('audit_log').where({ action: 'certificate.issue', unit_id: u.id });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ user_id: user.id, province_code: '23', target: `certificate:${cert.id}` });
  });
});
