import { parseArgs } from 'node:util';
import { env } from '../src/env.ts';
import { db, closeDb, num } from '../src/db.ts';
import { seedReference } from '../seeds/reference.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { loadSettings } from '../src/settings.ts';
import { recomputeStatuses } from '../src/eligibility/record.ts';
import {
  type Period, addMonths, deadlineOf, latestDuePeriod, startOfPeriod, periodRange, nextPeriod, parseJalaliDate, startOfJalaliDay, periodOf,
} from '../src/calendar.ts';
import { latinDigits } from '../src/text.ts';

// `npm run db:synth -- --units 100000 --months 36` fills a PostgreSQL server (DATABASE_URL) with
// synthetic units, products, users and filings for the last N due months (and the current month,
// part-filed), all in set-based SQL: one INSERT … SELECT per table (per period for filings).
//
//   --units N     units (default 100000)
//   --months M    due periods of history (default 36)
//   --seed S      the data is a pure function of (seed, --at): same arguments, same rows
//   --at DATE     "now" (Jalali 1405-09-05 or ISO 2026-11-26T08:00Z); default: the real now
//   --reset       empty the non-reference tables first (otherwise a database with units is refused)
//   --jobs J      periods filled at once, on J connections (default 2)
//
// Randomness is a hash of (row key, seed, purpose) — hashint8extended — not random(): it does not
// depend on the plan, on the connection or on the order rows are produced in.

const PASSWORD = 'synth-pass-1404';

const { values } = parseArgs({
  options: {
    units: { type: 'string', default: '100000' },
    months: { type: 'string', default: '36' },
    seed: { type: 'string', default: '1' },
    at: { type: 'string' },
    reset: { type: 'boolean', default: false },
    jobs: { type: 'string', default: '2' },
  },
});

if (!env.DATABASE_URL) {
  console.error('db:synth needs DATABASE_URL: it fills a PostgreSQL server (the embedded database is for development).');
  process.exit(2);
}
const units = Number(values.units);
const months = Number(values.months);
const seed = Number(values.seed);
function usage(message: string): never {
  console.error(`db:synth: ${message}`);
  process.exit(2);
}
if (!Number.isInteger(units) || units < 31 || units > 2_000_000) usage('--units must be an integer from 31 to 2,000,000');
if (!Number.isInteger(months) || months < 3 || months > 120) usage('--months must be an integer from 3 to 120');
if (!Number.isInteger(seed) || seed < 0 || seed > 1_000_000) usage('--seed must be an integer from 0 to 1,000,000');
const at = parseAt(values.at);
const jobs = Math.max(1, Math.min(8, Number(values.jobs) || 1));

function parseAt(s: string | undefined): Date {
  if (!s) return new Date();
  const j = parseJalaliDate(latinDigits(s));
  if (j) return new Date(startOfJalaliDay(j).getTime() + 12 * 3600_000); // noon in Tehran
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) usage(`--at must be a Jalali date (1405-09-05) or an ISO instant, not ${s}`);
  return d;
}

/** A uniform number in [0, 1) from a row key and a purpose: the same for the same seed. */
const rnd = (key: string, purpose: number) => `((hashint8extended((${key})::int8, ${seed * 1000 + purpose}) & 2147483647)::float8 / 2147483648.0)`;

// Share of the country's industrial and mining units per province (rough weights shaped like the
// ministry's published licence counts: Tehran, Isfahan, Razavi Khorasan and the belt around the
// capital lead; the south-east and the mountain provinces trail). Not official figures.
const PROVINCE_WEIGHTS: Record<string, number> = {
  23: 16, 10: 10, 9: 7, 3: 6, 30: 5, 7: 5, 0: 4, 26: 4, 21: 3.5, 2: 3.5, 6: 3.5, 1: 3, 20: 2.5, 8: 2.5, 4: 2.5, 25: 2.5,
  19: 2, 13: 2, 27: 1.5, 5: 1.5, 22: 1.5, 15: 1, 24: 1, 18: 1, 12: 1, 14: 0.8, 11: 0.8, 29: 0.8, 28: 0.7, 17: 0.5, 16: 0.5,
};

const timings: { step: string; ms: number; rows: number }[] = [];
async function step(name: string, fn: () => Promise<number>): Promise<void> {
  const began = performance.now();
  const rows = await fn();
  const ms = performance.now() - began;
  timings.push({ step: name, ms, rows });
  console.log(`${name.padEnd(44)} ${rows.toLocaleString('en-US').padStart(12)} rows ${(ms / 1000).toFixed(1).padStart(8)} s`);
}

const rowCount = (r: { rowCount?: number | null }) => r.rowCount ?? 0;

const k = db();
const began = performance.now();
const lastDue = latestDuePeriod(at);
const first = addMonths(lastDue, -(months - 1));
const current = nextPeriod(lastDue);
console.log(`db:synth: ${units.toLocaleString('en-US')} units, ${months} due months ${first} … ${lastDue} and the current month ${current} (as of ${at.toISOString()}), seed ${seed}`);

await step('migrate and seed reference data', async () => {
  await k.migrate.latest();
  await seedReference(k);
  return 0;
});

if (values.reset) {
  await step('empty the non-reference tables', async () => {
    await k.raw(`truncate filing_lines, filing_revisions, filing_reviews, filings, reminders, certificates, nominations, unit_status_changes,
      job_runs, products, unit_users, api_tokens, activation_tokens, sessions, audit_log, units, legal_entities, users restart identity cascade`);
    return 0;
  });
} else if (num((await k('units').count('* as n'))[0].n) > 0) {
  console.error('db:synth: the database already has units; pass --reset to replace everything but the reference data.');
  await closeDb();
  process.exit(1);
}

// The synthetic system went live at the first period of the window: nothing is due before it.
await k('settings').where({ key: 'system_start_period', effective_from: '0001-01' }).update({ value: JSON.stringify(first), updated_at: k.fn.now() });

// Calendar of every period a unit may start in, with the start of its licence month (3 months
// earlier, DESIGN §4) as a Gregorian date, and the window's periods with their deadlines.
const windowPeriods = periodRange(first, lastDue);
const startCalendar = windowPeriods.map((p, i) => ({ i, p, licence: startOfPeriod(addMonths(p, -3)).toISOString().slice(0, 10) }));

const hash = await hashPassword(PASSWORD);

await step('staff: admin, statistics office, planning, officers', async () => {
  const staff = [
    { email: 'admin@synth.ir', role: 'admin', province_code: null, full_name: 'مدیر سامانه' },
    { email: 'stats@synth.ir', role: 'stats_office', province_code: null, full_name: 'دفتر آمار' },
    { email: 'planning@synth.ir', role: 'planning_deputy', province_code: null, full_name: 'معاونت برنامه‌ریزی' },
    ...Object.keys(PROVINCE_WEIGHTS).map((c) => ({ email: `officer-${c.padStart(2, '0')}@synth.ir`, role: 'province_officer', province_code: c.padStart(2, '0'), full_name: `کارشناس استان ${c.padStart(2, '0')}` })),
  ];
  await k('users').insert(staff.map((s) => ({ ...s, password_hash: hash })));
  return staff.length;
});

await step('legal entities (valid 11-digit national ids)', async () => {
  // About one owner for every 1.15 units: some own several sites. The check digit per REFERENCE.md.
  const r = await k.raw(
    `insert into legal_entities (id, national_id, name)
     select e, body || (case when s % 11 = 10 then 0 else s % 11 end)::text, 'شرکت تولیدی نمونه ' || e
       from (select e, body,
                    (select sum(((substr(body, 10, 1)::int + 2) + substr(body, i + 1, 1)::int) * (array[29, 27, 23, 19, 17])[i % 5 + 1])
                       from generate_series(0, 9) i) as s
               from (select e, '17' || (12345678 + e)::text as body
                       from generate_series(1, :n) e) b) c`,
    { n: Math.ceil(units / 1.15) },
  );
  return rowCount(r);
});

await step('units (provinces by weight, ISIC classes)', async () => {
  const weights = Object.entries(PROVINCE_WEIGHTS).map(([c, w]) => ({ c: c.padStart(2, '0'), w }));
  const r = await k.raw(
    `with w as (
       select c.c as code, sum(c.w) over (order by c.c) / sum(c.w) over () as hi, (sum(c.w) over (order by c.c) - c.w) / sum(c.w) over () as lo,
              row_number() over (order by c.c) as n
         from jsonb_to_recordset(:weights::jsonb) as c(c text, w float8)
     ), classes as (
       select code, section, title_fa, row_number() over (partition by section order by code) as n, count(*) over (partition by section) as total
         from isic_codes where level = 'class'
     ), starts as (
       select s.i, s.p, s.licence::date as licence from jsonb_to_recordset(:starts::jsonb) as s(i int, p text, licence text)
     ), u as (
       select g as id,
              -- the first 31 units give every province one; the rest follow the weights
              (case when g <= 31 then (select code from w where w.n = g)
                    else (select code from w where rp >= w.lo and rp < w.hi) end) as province_code,
              (case when ${rnd('g', 2)} < 0.08 then 'B' else 'C' end) as section,
              ${rnd('g', 3)} as r_class,
              -- nine in ten started with the system; the others during the window
              (case when ${rnd('g', 4)} < 0.9 then 0 else 1 + floor(${rnd('g', 5)} * (:months - 1))::int end) as start_index
         from generate_series(1, :n) g
         cross join lateral (select ${rnd('g', 1)} as rp) x
     )
     insert into units (id, legal_entity_id, licence_no, licence_issued_on, kind, isic_class, province_code, city, address, postal_code, phone,
                        contact_name, previously_announced, obligation_start, registration, status, source, created_at)
     select u.id, 1 + (u.id - 1) % :entities, 'S-' || lpad(u.id::text, 7, '0'),
            case when u.start_index = 0 then s.licence - (floor(${rnd('u.id', 6)} * 5000))::int else s.licence + (floor(${rnd('u.id', 6)} * 28))::int end,
            case when u.section = 'B' then 'mining' else 'industrial' end,
            c.code, u.province_code, p.name, 'شهرک صنعتی، خیابان ' || (1 + u.id % 40) || '، پلاک ' || (1 + u.id % 300),
            lpad((1000000000 + (u.id::int8 * 7919) % 8999999999)::text, 10, '0'), '0' || (2100000000 + u.id)::text,
            'مدیر واحد ' || u.id, false, s.p, 'approved', 'active', 'seed', s.licence::timestamptz
       from u
       join starts s on s.i = u.start_index
       join provinces p on p.code = u.province_code
       join classes c on c.section = u.section and c.n = 1 + floor(u.r_class * c.total)::int`,
    { weights: JSON.stringify(weights), starts: JSON.stringify(startCalendar), n: units, months, entities: Math.ceil(units / 1.15) },
  );
  return rowCount(r);
});

await step('products (1–5 per unit)', async () => {
  const r = await k.raw(
    `insert into products (id, unit_id, name, unit_of_measure, annual_capacity, position)
     select (u.id - 1) * 5 + j, u.id, (array['نوع الف', 'نوع ب', 'نوع ج', 'نوع د', 'نوع ه'])[j] || ' — ' || left(i.title_fa, 60),
            (array['تن', 'تن', 'هزار عدد', 'متر مکعب', 'دستگاه', 'هزار لیتر'])[1 + floor(${rnd('u.id * 8 + j', 11)} * 6)::int],
            round((200 + ${rnd('u.id * 8 + j', 12)} ^ 2 * 60000)::numeric, 3), j - 1
       from units u join isic_codes i on i.code = u.isic_class
       cross join generate_series(1, 5) j
      where j <= 1 + floor(${rnd('u.id', 10)} ^ 1.3 * 5)::int`,
  );
  return rowCount(r);
});

await step('catalogue codes (mass, count, volume per class) and coded products', async () => {
  // Issue 16: the production index needs coded quantities. Each ISIC class gets three synthetic
  // codes, one per dimension the synthetic products use, in the dimension's base unit; 85 % of the
  // products link to the code of their own dimension (t → kg, هزار عدد and دستگاه → pc, m³ and kl → l).
  await k.raw(
    `insert into catalogue (code, isic_class, name_fa, name_en, unit_of_measure_code, active_from, source)
     select i.code || d.suffix, i.code, d.name || ' — ' || left(i.title_fa, 60), 'Synthetic ' || i.code || d.suffix, d.uom, :first, 'demo'
       from isic_codes i
       cross join (values ('01', 'kg', 'محصول وزنی'), ('02', 'pc', 'محصول شمارشی'), ('03', 'l', 'محصول حجمی')) d(suffix, uom, name)
      where i.level = 'class'
     on conflict (code) do nothing`,
    { first },
  );
  const r = await k.raw(
    `update products p set catalogue_code = u.isic_class || case m.dimension when 'mass' then '01' when 'count' then '02' else '03' end
       from units u, units_of_measure m
      where u.id = p.unit_id and m.code = p.unit_of_measure_code and m.dimension in ('mass', 'count', 'volume')
        and ${rnd('p.id', 13)} < 0.85`,
  );
  return rowCount(r);
});

await step('unit users (one per unit, shared password hash)', async () => {
  const r = await k.raw(
    `with made as (
       insert into users (id, email, full_name, role, password_hash)
       select 1000 + u.id, 'unit-' || u.id || '@synth.ir', 'کاربر واحد ' || u.id, 'unit_user', :hash from units u
       returning id, email
     )
     insert into unit_users (user_id, unit_id) select id, substring(email from 'unit-([0-9]+)@')::int from made`,
    { hash },
  );
  return rowCount(r);
});

// Ids were given explicitly (so that they, and every hash keyed on them, do not depend on the
// query plan); move the sequences past them for rows the app adds later.
for (const table of ['legal_entities', 'units', 'products', 'users']) {
  await k.raw(`select setval(pg_get_serial_sequence(?, 'id'), (select coalesce(max(id), 1) from ??))`, [table, table]);
}

// Filings, one statement per period. Each unit has a habit: most file on time, some are often
// late, a few miss months, and about 3 % stop filing for good some months before the end (the
// nightly rule then makes them inactive). Submissions cluster in the days before the deadline.
let filingRows = 0;
let lineRows = 0;
const periodsToFile: { p: Period; index: number; due: boolean }[] = [...windowPeriods.map((p, index) => ({ p, index, due: true })), { p: current, index: months, due: false }];
async function filePeriod({ p, index, due }: { p: Period; index: number; due: boolean }): Promise<void> {
  const deadline = deadlineOf(p);
  const periodEnd = startOfPeriod(nextPeriod(p));
  // The current month: the share filed so far grows towards the deadline; nothing before month end.
  const filedSoFar = due ? 1 : Math.max(0, Math.min(1, (at.getTime() - periodEnd.getTime()) / (deadline.getTime() - periodEnd.getTime()))) * 0.8;
  const age = months - 1 - index; // 0 for the latest due period
  await step(`filings ${p}${due ? '' : ' (current, part-filed)'}`, async () => {
    const r = await k.raw(
      `with habit as (
         select u.id, u.obligation_start,
                case when q.r < 0.60 then 0 when q.r < 0.90 then 1 when q.r < 0.97 then 2 else 3 end as kind,
                ${months} - 3 - floor(${rnd('u.id', 21)} * ${Math.max(1, months - 3)})::int as stops_at
           from units u cross join lateral (select ${rnd('u.id', 20)} as r) q
          where u.obligation_start <= :p
       ), outcome as (
         select h.id as unit_id, h.kind, q.r, q.r2, q.r3,
                case
                  when h.kind = 3 and :index >= h.stops_at then 'missing'
                  when not :due then case when q.r < :filedSoFar then 'on_time' else 'missing' end
                  when q.r < (array[0.95, 0.75, 0.45, 0.9])[h.kind + 1] then 'on_time'
                  when q.r < (array[0.99, 0.93, 0.75, 0.97])[h.kind + 1] then 'late'
                  else 'missing' end as t
           from habit h
           cross join lateral (select ${rnd(`h.id * 512 + ${index}`, 22)} as r, ${rnd(`h.id * 512 + ${index}`, 23)} as r2, ${rnd(`h.id * 512 + ${index}`, 24)} as r3) q
       ), timed as (
         select o.*,
                case o.t
                  when 'on_time' then case when :due then :deadline::timestamptz - (o.r2 ^ 2) * interval '8 days'
                                           else :periodEnd::timestamptz + o.r2 * (:at::timestamptz - :periodEnd::timestamptz) end
                  when 'late' then :deadline::timestamptz + interval '1 hour' + (o.r2 ^ 2) * interval '75 days'
                end as submitted
           from outcome o
       ), kept as (
         -- a late filing still in the future as of --at is, as of then, missing
         select * from timed where t <> 'missing' and submitted <= :at
         union all
         -- a few missing months have a draft that was never sent
         select *, null from outcome where t = 'missing' and r3 < 0.05
       ), unit_size as (
         select u.id, (5 + floor(${rnd('u.id', 30)} ^ 3 * 800))::int as employees, (2e8 + ${rnd('u.id', 31)} ^ 2 * 5e11) as value, o.id as officer
           from units u
           join (select province_code, min(id) as id from users where role = 'province_officer' group by province_code) o on o.province_code = u.province_code
       ), states as (
         select k.*,
                case when k.submitted is null then 'draft'
                     when ${rnd(`k.unit_id * 512 + ${index}`, 25)} < 0.03 then 'returned'
                     when ${rnd(`k.unit_id * 512 + ${index}`, 26)} < (case when :age >= 2 then 0.92 when :age = 1 then 0.6 when :age = 0 then 0.25 else 0.02 end) then 'verified'
                     else 'submitted' end as state
           from kept k
       )
       insert into filings (unit_id, period, state, employees, production_value, intermediate_consumption, warnings, first_submitted_at, submitted_at,
                            tracking_code, revision, return_reason, reviewed_by, reviewed_at, verified_at, created_at, updated_at)
       select s.unit_id, :p, s.state,
              greatest(1, round(z.employees * (0.9 + 0.2 * s.r3)))::int,
              round(z.value * (0.75 + 0.5 * s.r3))::bigint,
              round(z.value * (0.75 + 0.5 * s.r3) * (0.55 + 0.3 * s.r2))::bigint,
              '[]'::jsonb, s.submitted, s.submitted,
              case when s.submitted is null then null else 'S' || lpad((s.unit_id::int8 * 1000 + ${index})::text, 11, '0') end,
              case when s.submitted is null then 0 else 1 end,
              case when s.state = 'returned' then 'رقم فروش با تولید سازگار نیست؛ لطفاً بررسی و اصلاح کنید.' end,
              case when s.state in ('returned', 'verified') then z.officer end,
              case when s.state in ('returned', 'verified') then least(:at::timestamptz, s.submitted + (1 + s.r * 20) * interval '1 day') end,
              case when s.state = 'verified' then least(:at::timestamptz, s.submitted + (1 + s.r * 20) * interval '1 day') end,
              coalesce(s.submitted, :periodEnd::timestamptz), coalesce(s.submitted, :periodEnd::timestamptz)
         from states s join unit_size z on z.id = s.unit_id`,
      {
        p, index, due, age: due ? age : -1, filedSoFar, deadline, periodEnd, at,
      },
    );
    filingRows += rowCount(r);
    return rowCount(r);
  });
  await step(`filing lines ${p}`, async () => {
    const r = await k.raw(
      `insert into filing_lines (filing_id, product_id, produced, sold, sales_value)
       select f.id, pr.id, x.produced, round((x.produced * (0.8 + 0.2 * ${rnd(`pr.id * 512 + ${index}`, 41)}))::numeric, 3),
              round(x.produced * (0.8 + 0.2 * ${rnd(`pr.id * 512 + ${index}`, 41)}) * (2e5 + ${rnd('pr.id', 42)} * 5e7))::bigint
         from filings f
         join products pr on pr.unit_id = f.unit_id
         cross join lateral (select round((pr.annual_capacity / 12 * (0.4 + 0.7 * ${rnd(`pr.id * 512 + ${index}`, 40)}))::numeric, 3) as produced) x
        where f.period = :p`,
      { p },
    );
    lineRows += rowCount(r);
    return rowCount(r);
  });
  // Fresh statistics for the next periods' statements: planned on an empty filings table's, a
  // period's insert once ran for more than 20 minutes instead of 15 s (autovacuum had not run yet).
  await k.raw('analyze filings, filing_lines');
  await step(`reviews ${p}`, async () => {
    // Every verified or returned filing has its officer's review; one in twenty verified filings
    // was returned once before (the quality indicator of DESIGN §8 counts those).
    const r = await k.raw(
      `insert into filing_reviews (filing_id, action, reason, user_id, at)
       select id, 'return', return_reason, reviewed_by, reviewed_at from filings where period = :p and state = 'returned'
       union all
       select id, 'return', 'کارکنان ماه گزارش نشده است.', reviewed_by, first_submitted_at + (reviewed_at - first_submitted_at) / 2
         from filings where period = :p and state = 'verified' and ${rnd(`unit_id::int8 * 512 + ${index}`, 50)} < 0.05
       union all
       select id, 'verify', null, reviewed_by, verified_at from filings where period = :p and state = 'verified'`,
      { p },
    );
    return rowCount(r);
  });
}

// Periods are independent: two connections fill two periods at once (one per core of a modest server).
// The first alone, so that no statement is planned on an empty filings table: begun beside it, the
// second period's insert ran for 22 minutes at 100,000 units (its triggers' plans saw no filings).
const queue = [...periodsToFile];
await filePeriod(queue.shift()!);
await Promise.all(Array.from({ length: jobs }, async () => {
  for (let next = queue.shift(); next; next = queue.shift()) await filePeriod(next);
}));

await step('statuses (DESIGN §4 inactivity)', async () => {
  const settings = await loadSettings(k);
  const { changes } = await recomputeStatuses(k, at, settings.rules);
  return changes.length;
});

// A database in service has been vacuumed by autovacuum long since: its visibility map lets the
// statistics read their months by index-only scans. Freshly loaded rows are not yet all-visible.
await step('vacuum analyze', async () => {
  await k.raw('vacuum analyze');
  return 0;
});

const mix = await k.raw(
  `with cal as (select c.p as period, c.d::timestamptz as deadline from jsonb_to_recordset(:cal::jsonb) as c(p text, d text))
   select count(*) as due,
          count(f.id) filter (where f.first_submitted_at <= cal.deadline) as on_time,
          count(f.id) filter (where f.first_submitted_at > cal.deadline) as late,
          count(*) filter (where f.first_submitted_at is null) as missing,
          count(f.id) filter (where f.state = 'verified') as verified,
          count(f.id) filter (where f.state = 'returned') as returned,
          count(f.id) filter (where f.state = 'submitted') as awaiting
     from units u join cal on cal.period >= u.obligation_start
     left join filings f on f.unit_id = u.id and f.period = cal.period`,
  { cal: JSON.stringify(windowPeriods.map((p) => ({ p, d: deadlineOf(p).toISOString() }))) },
);
const m = mix.rows[0] as Record<string, unknown>;
const pct = (x: unknown) => `${((100 * num(x)) / Math.max(1, num(m.due))).toFixed(1)} %`;
const inactive = num((await k('units').where({ status: 'inactive' }).count('* as n'))[0].n);
console.log(`\nfilings ${filingRows.toLocaleString('en-US')}, lines ${lineRows.toLocaleString('en-US')}`);
console.log(`due unit-months ${num(m.due).toLocaleString('en-US')}: on time ${pct(m.on_time)}, late ${pct(m.late)}, missing ${pct(m.missing)}; verified ${pct(m.verified)}, returned ${pct(m.returned)}, awaiting ${pct(m.awaiting)}`);
console.log(`inactive units ${inactive.toLocaleString('en-US')} (${((100 * inactive) / units).toFixed(1)} %)`);
console.log(`accounts: admin@synth.ir, stats@synth.ir, planning@synth.ir, officer-NN@synth.ir, unit-<id>@synth.ir — password ${PASSWORD}`);
console.log(`db:synth done in ${((performance.now() - began) / 1000).toFixed(1)} s (as of ${periodOf(at)})`);
await closeDb();
