import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUnit, createUser } from './support/factories.ts';
import { createFiling, fileOnTime } from './support/filings.ts';
import { runNightly } from '../src/jobs/nightly.ts';
import { nextRunAt, startScheduler, type Timers } from '../src/jobs/scheduler.ts';
import { parseJalaliDate, startOfJalaliDay, periodRange, obligationStart, deadlineOf, periodLabel } from '../src/calendar.ts';
import { defaultSettings, clearSettingsCache } from '../src/settings.ts';

// SMTP is off unless a test turns it on; sendMail records what would have been sent.
const mail = vi.hoisted(() => ({ on: false, sent: [] as { to: string; subject: string }[] }));
vi.mock('../src/mail.ts', () => ({
  mailConfigured: () => mail.on,
  sendMail: async (to: string, subject: string) => { mail.sent.push({ to, subject }); return true; },
}));

let t: TestDatabase;
beforeAll(async () => {
  t = await freshDatabase();
});
afterAll(async () => t.close());

/** The start of a Jalali day in Tehran: what `--at 1404-08-09` means. */
const day = (s: string) => startOfJalaliDay(parseJalaliDate(s)!);
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
// Each run happens at its own instant of the crafted history: `now` is `at`.
const run = (at: string) => runNightly(t.knex, { at: day(at), now: day(at), log: silent });
const statusOf = async (id: number) => (await t.knex('units').where({ id }).first('status')).status as string;
const changesOf = (id: number) => t.knex('unit_status_changes').where({ unit_id: id }).orderBy('id');

describe('the nightly job on crafted histories', () => {
  it('a unit whose three latest due periods are missing becomes inactive; filing one of them makes it active again', async () => {
    // At the start of 1404-08-09 the latest due period is 1404-07 (due 1404-08-08): window 1404-05..07.
    const u = await createUnit({ obligation_start: '1403-01', name: 'کارخانه خاموش' });
    await fileOnTime(u.id, periodRange('1403-01', '1404-04'));
    const r = await run('1404-08-09');
    expect(r.skipped).toBe(false);
    expect(r.changed).toContainEqual({ unit_id: u.id, name: 'کارخانه خاموش', old_status: 'active', new_status: 'inactive' });
    expect(await statusOf(u.id)).toBe('inactive');
    const [change] = await changesOf(u.id);
    expect(change).toMatchObject({ old_status: 'active', new_status: 'inactive', job_run_id: r.runId });
    expect(change.reason).toContain(`${periodLabel('1404-05')} تا ${periodLabel('1404-07')}`);
    expect(change.changed_at.getTime()).toBe(day('1404-08-09').getTime());

    // Filed late, on 1404-08-09 at noon: one of the three is no longer missing.
    await createFiling({ unitId: u.id, period: '1404-06', firstSubmittedAt: new Date(day('1404-08-09').getTime() + 12 * 3600_000) });
    const r2 = await run('1404-08-10');
    expect(r2.changed).toContainEqual({ unit_id: u.id, name: 'کارخانه خاموش', old_status: 'inactive', new_status: 'active' });
    expect(await statusOf(u.id)).toBe('active');
    expect((await changesOf(u.id)).map((c) => c.new_status)).toEqual(['inactive', 'active']);
  });

  it('a new unit within its first three months is never flagged', async () => {
    // Licence 1404-03-10 → obligation start 1404-06: by 1404-08-09 only 06 and 07 are due.
    const start = obligationStart({ jy: 1404, jm: 3, jd: 10 }, false, { systemStart: '1387-08', legacyStart: '1387-08' });
    expect(start).toBe('1404-06');
    const u = await createUnit({ obligation_start: start, licence_issued_on: '2025-05-31' });
    for (const at of ['1404-06-01', '1404-07-09', '1404-08-09']) {
      await run(at);
      expect(await statusOf(u.id)).toBe('active');
    }
    expect(await changesOf(u.id)).toHaveLength(0);
    // Its third due period (1404-08, due 1404-09-08) passing unfiled is what first makes it inactive.
    await run('1404-09-09');
    expect(await statusOf(u.id)).toBe('inactive');
  });

  it('a unit imported as previously announced is judged from the legacy start', async () => {
    // Its own licence (1404-04) would oblige it only from 1404-07; as previously announced it starts at 1387-08.
    const start = obligationStart({ jy: 1404, jm: 4, jd: 1 }, true, { systemStart: '1387-08', legacyStart: '1387-08' });
    expect(start).toBe('1387-08');
    const legacy = await createUnit({ obligation_start: start, previously_announced: true, licence_issued_on: '2025-06-22' });
    const ownStart = await createUnit({ obligation_start: '1404-07', licence_issued_on: '2025-06-22' });
    await run('1404-08-11');
    expect(await statusOf(legacy.id)).toBe('inactive');
    expect(await statusOf(ownStart.id)).toBe('active');
  });

  it('two runs for the same date change nothing the second time', async () => {
    const u = await createUnit({ obligation_start: '1402-01' });
    await fileOnTime(u.id, periodRange('1402-01', '1403-12'));
    const first = await run('1404-08-12');
    expect(first.changed.map((c) => c.unit_id)).toContain(u.id);
    const unitsBefore = await t.knex('units').orderBy('id').select('id', 'status', 'status_changed_at');
    const changesBefore = await t.knex('unit_status_changes').count<{ n: number }[]>('* as n');
    const remindersBefore = await t.knex('reminders').count<{ n: number }[]>('* as n');
    const second = await run('1404-08-12');
    expect(second.skipped).toBe(false);
    expect(second.changed).toEqual([]);
    expect(second.reminders).toBe(0);
    expect(await t.knex('units').orderBy('id').select('id', 'status', 'status_changed_at')).toEqual(unitsBefore);
    expect(await t.knex('unit_status_changes').count<{ n: number }[]>('* as n')).toEqual(changesBefore);
    expect(await t.knex('reminders').count<{ n: number }[]>('* as n')).toEqual(remindersBefore);
    const runs = await t.knex('job_runs').whereIn('id', [first.runId!, second.runId!]).orderBy('id');
    expect(runs).toHaveLength(2);
    expect(runs[0].finished_at).toBeInstanceOf(Date);
    expect(runs[0].units_changed).toBe(first.changed.length);
    expect(runs[1]).toMatchObject({ units_changed: 0, reminders_queued: 0, units_scanned: first.scanned });
  });

  it('queues reminders for units whose current period is due within 3 days and not yet submitted, once', async () => {
    // At the start of 1404-08-06 the current period is 1404-07, due at the end of 1404-08-08.
    const late = await createUnit({ obligation_start: '1404-01' });
    const done = await createUnit({ obligation_start: '1404-01' });
    const notYet = await createUnit({ obligation_start: '1404-08' });
    await createFiling({ unitId: done.id, period: '1404-07', firstSubmittedAt: day('1404-08-02') });
    const early = await run('1404-08-05');
    expect(early.reminders).toBe(0);
    const r = await run('1404-08-06');
    expect(r.reminders).toBeGreaterThan(0);
    const rows = await t.knex('reminders').whereIn('unit_id', [late.id, done.id, notYet.id]);
    expect(rows.map((x) => x.unit_id)).toEqual([late.id]);
    expect(rows[0].period).toBe('1404-07');
    expect(rows[0].deadline.getTime()).toBe(deadlineOf('1404-07').getTime());
    expect((await run('1404-08-07')).reminders).toBe(0);
    const jr = await t.knex('job_runs').where({ id: r.runId }).first();
    expect(jr.reminders_queued).toBe(r.reminders);
  });

  it('emails unsent reminders when SMTP is configured, once', async () => {
    const u = await createUnit({ obligation_start: '1404-01' });
    await t.knex('units').where({ id: u.id }).update({ email: 'factory@test.ir' });
    const person = await createUser({ role: 'unit_user', unit_ids: [u.id], email: 'owner-mail@test.ir' });
    mail.on = true;
    mail.sent.length = 0;
    try {
      const r = await run('1404-09-07');
      expect(r.reminders).toBeGreaterThan(0);
      const mine = mail.sent.filter((m) => m.to.includes('factory@test.ir'));
      expect(mine).toHaveLength(1);
      expect(mine[0].to).toContain(person.email);
      expect(mine[0].subject).toContain(periodLabel('1404-08'));
      const reminder = await t.knex('reminders').where({ unit_id: u.id, period: '1404-08' }).first();
      expect(reminder.sent_at).toBeInstanceOf(Date);
      expect(r.emailed).toBe(mail.sent.length);
      mail.sent.length = 0;
      await run('1404-09-08');
      expect(mail.sent.filter((m) => m.to.includes('factory@test.ir'))).toHaveLength(0);
    } finally {
      mail.on = false;
    }
  });

  it('the mail judges the period as the reminder did, as of the run: a submission after that instant does not count yet', async () => {
    const u = await createUnit({ obligation_start: '1404-01' });
    await t.knex('units').where({ id: u.id }).update({ email: 'judged-alike@test.ir' });
    // Queued at the start of 1404-10-06 (current period 1404-09, due 1404-10-08), without SMTP.
    await run('1404-10-06');
    expect(await t.knex('reminders').where({ unit_id: u.id, period: '1404-09' })).toHaveLength(1);
    // Submitted later that day; a re-run for the start of that day still finds it unsubmitted then.
    await createFiling({ unitId: u.id, period: '1404-09', firstSubmittedAt: new Date(day('1404-10-06').getTime() + 10 * 3600_000) });
    mail.on = true;
    mail.sent.length = 0;
    try {
      await run('1404-10-06');
      expect(mail.sent.filter((m) => m.to.includes('judged-alike@test.ir'))).toHaveLength(1);
      // The next day it is submitted: nothing more is mailed.
      mail.sent.length = 0;
      await t.knex('reminders').where({ unit_id: u.id }).update({ sent_at: null });
      await run('1404-10-07');
      expect(mail.sent.filter((m) => m.to.includes('judged-alike@test.ir'))).toHaveLength(0);
    } finally {
      mail.on = false;
    }
  });

  it('purges expired sessions', async () => {
    await t.knex('sessions').insert([
      { sid: 'old-session', sess: JSON.stringify({}), expired: new Date(Date.now() - 60_000) },
      { sid: 'live-session', sess: JSON.stringify({}), expired: new Date(Date.now() + 3600_000) },
    ]);
    await run('1404-08-13');
    expect((await t.knex('sessions').whereIn('sid', ['old-session', 'live-session'])).map((s) => s.sid)).toEqual(['live-session']);
  });
});

describe('the rule in force', () => {
  it('a unit is judged under a 6-month threshold from the period it takes effect, and history is not rewritten', async () => {
    expect(defaultSettings.inactivity_months).toBe(3);
    const u = await createUnit({ obligation_start: '1403-01' });
    await fileOnTime(u.id, periodRange('1403-01', '1404-02'));
    // At 1404-06-09 the latest due is 1404-05, judged by the 3-month rule: 03..05 all missing.
    await t.knex('settings').insert({ key: 'inactivity_months', effective_from: '1404-06', value: JSON.stringify(6) });
    clearSettingsCache();
    try {
      await run('1404-06-09');
      expect(await statusOf(u.id)).toBe('inactive');
      // At 1404-07-09 the latest due is 1404-06, under the 6-month rule: 01..06 includes 1404-01 and 02.
      await run('1404-07-09');
      expect(await statusOf(u.id)).toBe('active');
      // At 1404-09-09 (latest due 1404-08, window 03..08) it is inactive again.
      await run('1404-09-09');
      expect(await statusOf(u.id)).toBe('inactive');
      const history = await changesOf(u.id);
      expect(history.map((c) => c.new_status)).toEqual(['inactive', 'active', 'inactive']);
      expect(history[0].reason).toContain('۳ ماه');
      expect(history[2].reason).toContain('۶ ماه');
    } finally {
      await t.knex('settings').where({ key: 'inactivity_months', effective_from: '1404-06' }).delete();
      clearSettingsCache();
    }
  });
});

describe('the scheduler', () => {
  it('finds the next 01:00 in Tehran', () => {
    // 2025-10-30T20:00Z is 23:30 Tehran on 1404-08-08; the next 01:00 Tehran is 2025-10-30T21:30Z.
    expect(nextRunAt('01:00', new Date('2025-10-30T20:00:00Z')).toISOString()).toBe('2025-10-30T21:30:00.000Z');
    // Exactly at 01:00 the next run is tomorrow's.
    expect(nextRunAt('01:00', new Date('2025-10-30T21:30:00Z')).toISOString()).toBe('2025-10-31T21:30:00.000Z');
    expect(() => nextRunAt('25:00', new Date())).toThrow();
  });

  it('runs at that instant, reschedules, and stops', async () => {
    // Its own clock, not the worker's faked timers: advancing those by days may also fire whatever
    // timers the database driver set meanwhile, and took 90 s once on a busy machine.
    const clock = new ManualClock(new Date('2025-10-30T20:00:00Z'));
    const calls: string[] = [];
    const s = startScheduler({ time: '01:00', run: async (at) => { calls.push(`${at.toISOString()} at ${clock.now().toISOString()}`); }, now: () => clock.now(), timers: clock });
    expect(s.next()?.toISOString()).toBe('2025-10-30T21:30:00.000Z');
    await clock.advance(90 * 60_000 - 1);
    expect(calls).toEqual([]);
    await clock.advance(1);
    expect(calls).toEqual(['2025-10-30T21:30:00.000Z at 2025-10-30T21:30:00.000Z']);
    expect(s.next()?.toISOString()).toBe('2025-10-31T21:30:00.000Z');
    await clock.advance(24 * 3600_000);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBe('2025-10-31T21:30:00.000Z at 2025-10-31T21:30:00.000Z');
    s.stop();
    expect(s.next()).toBeNull();
    await clock.advance(48 * 3600_000);
    expect(calls).toHaveLength(2);
    expect(clock.pending()).toBe(0);
  });

  it('keeps its schedule when a run fails', async () => {
    const clock = new ManualClock(new Date('2025-10-30T20:00:00Z'));
    let runs = 0;
    const s = startScheduler({ time: '01:00', run: async () => { runs++; throw new Error('database down'); }, now: () => clock.now(), timers: clock });
    await clock.advance(90 * 60_000);
    expect(runs).toBe(1);
    expect(s.next()?.toISOString()).toBe('2025-10-31T21:30:00.000Z');
    s.stop();
  });
});

/** A clock a test moves by hand, and the scheduler's timers on it. */
class ManualClock implements Timers {
  private t: number;
  private queue: { at: number; fire: () => void; handle: number }[] = [];
  private handles = 0;
  constructor(start: Date) { this.t = start.getTime(); }
  now(): Date { return new Date(this.t); }
  set(fire: () => void, ms: number): number {
    this.queue.push({ at: this.t + ms, fire, handle: ++this.handles });
    return this.handles;
  }
  clear(handle: unknown): void { this.queue = this.queue.filter((e) => e.handle !== handle); }
  pending(): number { return this.queue.length; }
  /** Moves the clock by `ms`, firing each timer due on the way at its own instant and letting its run finish. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.queue.shift();
      this.t = next.at;
      next.fire();
      await new Promise((resolve) => setImmediate(resolve)); // the run and its rescheduling
    }
    this.t = until;
  }
}

interface Child { out: string; code: number | null; done: Promise<void> }

function startJob(url: string, at: string): Child {
  const child: Child = { out: '', code: null, done: Promise.resolve() };
  const p = spawn('npx', ['tsx', 'src/cli/job-nightly.ts', '--at', at], {
    env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'test', LOG_LEVEL: 'silent', SCHEDULER: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.stdout.on('data', (b) => { child.out += String(b); });
  p.stderr.on('data', (b) => { child.out += String(b); });
  child.done = new Promise((resolve) => p.on('close', (code) => { child.code = code; resolve(); }));
  return child;
}

describe('two job processes started together on the real server', () => {
  it('one works, the other skips', async (ctx) => {
    if (!t.url) return ctx.skip(); // needs a PostgreSQL server: PGlite is one process
    const u = await createUnit({ obligation_start: '1403-01', name: 'واحد آزمون قفل' });
    await fileOnTime(u.id, periodRange('1403-01', '1404-05'));
    // Hold job_runs so that whichever process takes the advisory lock first stays inside it
    // (blocked on its job_runs insert) while the other one tries: the race becomes deterministic.
    const hold = await t.knex.transaction();
    await hold.raw('lock table job_runs in exclusive mode');
    const a = startJob(t.url, '1404-10-09');
    const b = startJob(t.url, '1404-10-09');
    try {
      const first = await Promise.race([a.done.then(() => a), b.done.then(() => b)]);
      expect(first.out).toContain('skipped');
      expect(first.code).toBe(0);
    } finally {
      await hold.commit();
    }
    await Promise.all([a.done, b.done]);
    const outputs = [a.out, b.out];
    expect(outputs.filter((o) => o.includes('skipped'))).toHaveLength(1);
    const worker = outputs.find((o) => !o.includes('skipped'))!;
    expect(worker).toContain(`unit ${u.id} واحد آزمون قفل`);
    expect(worker).toContain('(active) → ');
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const runs = await t.knex('job_runs').where({ as_of: day('1404-10-09') });
    expect(runs).toHaveLength(1);
    expect(await statusOf(u.id)).toBe('inactive');
  }, 120_000);
});
