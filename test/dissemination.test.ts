import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parseString } from 'fast-csv';
import { freshApp, type App } from './support/app.ts';
import type { TestDatabase } from './support/db.ts';
import { createUser, signIn } from './support/factories.ts';
import { insertRelease, smallCube } from './support/releases.ts';
import { createApiToken } from '../src/api/auth.ts';
import { levelRevisions, growthRevisions } from '../src/dissemination/revisions.ts';
import { addMonths } from '../src/calendar.ts';
import { jalaliStamp } from '../src/calendar.ts';

// Issue 27: the calendar (page, JSON, iCalendar; announcements and moves with their reasons), SDMX
// (structure, data in SDMX-JSON 2.0 valid against the vendored schema and SDMX-CSV 2.0 that reads
// back to the stored cells, C/D flags, error shapes), CSV codes read back as text, MR/MAR.

let t: TestDatabase;
let app: App;
let office: Awaited<ReturnType<typeof signIn>>;
let officeToken: string;
let deputyToken: string;
let unitToken: string;

beforeAll(async () => {
  ({ t, app } = await freshApp());
  const o = await createUser({ role: 'stats_office' });
  office = await signIn(app, o.email);
  officeToken = (await createApiToken(o.id, 'office')).token;
  deputyToken = (await createApiToken((await createUser({ role: 'planning_deputy' })).id, 'deputy')).token;
  unitToken = (await createApiToken((await createUser({ role: 'unit_user' })).id, 'unit')).token;
});
afterAll(() => t.close());

/** Every row of a CSV text, as a CSV parser reads it (strings, nothing converted). */
function readCsv(text: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseString(text.replace(/^\ufeff/, ''), { headers: false }).on('data', (r: string[]) => rows.push(r)).on('error', reject).on('end', () => resolve(rows));
  });
}

/** A strict reading of an iCalendar text (RFC 5545 §3.1): CRLF lines of at most 75 octets, unfolded; components nested. */
function parseIcs(text: string): { props: [string, string][]; events: Map<string, string>[] } {
  expect(text.endsWith('\r\n')).toBe(true);
  const raw = text.slice(0, -2).split('\r\n');
  for (const line of raw) {
    expect(Buffer.byteLength(line, 'utf8'), line).toBeLessThanOrEqual(75);
    expect(line).not.toMatch(/[\r\n]/);
  }
  const lines: string[] = [];
  for (const line of raw) {
    if (line.startsWith(' ')) lines[lines.length - 1] += line.slice(1);
    else lines.push(line);
  }
  const stack: string[] = [];
  const props: [string, string][] = [];
  const events: Map<string, string>[] = [];
  for (const line of lines) {
    const m = /^([A-Z][A-Z0-9-]*)(;[^:]*)?:(.*)$/.exec(line);
    expect(m, `a content line: ${line}`).not.toBeNull();
    const [, name, , value] = m!;
    if (name === 'BEGIN') { stack.push(value); if (value === 'VEVENT') events.push(new Map()); continue; }
    if (name === 'END') { expect(stack.pop()).toBe(value); continue; }
    expect(stack.length).toBeGreaterThan(0);
    if (stack.at(-1) === 'VEVENT') events.at(-1)!.set(name, value);
    else props.push([name, value]);
  }
  expect(stack).toEqual([]);
  for (const e of events) {
    for (const required of ['UID', 'DTSTAMP', 'DTSTART', 'SUMMARY']) expect(e.has(required), required).toBe(true);
    expect(e.get('DTSTART')).toMatch(/^\d{8}T\d{6}Z$/);
  }
  return { props, events };
}
const unescapeText = (s: string) => s.replace(/\\n/g, '\n').replace(/\\([,;\\])/g, '$1');

describe('the release calendar', () => {
  it('the office announces and moves a release with a reason; anyone reads the page, JSON and iCalendar without signing in', async () => {
    const at = new Date(Date.now() + 40 * 86400_000);
    const { date } = jalaliStamp(at);
    const page = await office.agent.get('/stats/calendar').expect(200);
    expect(page.text).toContain('id="announce-form"');
    await office.agent.post('/stats/calendar/announcements').type('form').send({ _csrf: office.csrf, period: '۱۴۰۵-Q2', kind: 'final', date, time: '۰۹:۳۰' }).expect(303);
    const a = await t.knex('release_announcements').where({ period: '1405-Q2', kind: 'final' }).first();
    expect(jalaliStamp(new Date(a.release_at))).toEqual({ date, time: '09:30' });
    // Announcing it again is refused with its reason next to the field; a date in the past too.
    const again = await office.agent.post('/stats/calendar/announcements').type('form').send({ _csrf: office.csrf, period: '1405-Q2', kind: 'final', date, time: '10:00' }).expect(422);
    expect(again.text).toContain('«جابه‌جایی» را با ذکر دلیل');
    const past = await office.agent.post('/stats/calendar/announcements').type('form').send({ _csrf: office.csrf, period: '1405-08', kind: 'preliminary', date: '1400/01/01', time: '09:00' }).expect(422);
    expect(past.text).toContain('زمان انتشار باید در آینده باشد');
    const badIndex = await office.agent.post('/stats/calendar/announcements').type('form').send({ _csrf: office.csrf, period: '1405', kind: 'index', date, time: '09:00' }).expect(422);
    expect(badIndex.text).toContain('شاخص تولید ماهانه منتشر می‌شود');

    // A move needs a reason; it keeps the old date.
    const later = jalaliStamp(new Date(at.getTime() + 2 * 86400_000)).date;
    const noReason = await office.agent.post(`/stats/calendar/announcements/${a.id}/moves`).type('form').send({ _csrf: office.csrf, date: later, time: '09:30', reason: '' }).expect(422);
    expect(noReason.text).toContain('دلیل جابه‌جایی را بنویسید');
    await office.agent.post(`/stats/calendar/announcements/${a.id}/moves`).type('form').send({ _csrf: office.csrf, date: later, time: '09:30', reason: 'تأخیر در بررسی استان‌ها' }).expect(303);
    const moves = await t.knex('release_announcement_moves').where({ announcement_id: a.id });
    expect(moves).toHaveLength(1);
    expect(new Date(moves[0].from_at).getTime()).toBe(new Date(a.release_at).getTime());
    const moved = await t.knex('release_announcements').where({ id: a.id }).first();
    expect(new Date(moved.first_release_at).getTime()).toBe(new Date(a.release_at).getTime());

    // Public: page, JSON, iCalendar, no sign-in; no form for them.
    const anon = await request(app).get('/stats/calendar').expect(200);
    expect(anon.text).toContain('تأخیر در بررسی استان‌ها');
    expect(anon.text).not.toContain('id="announce-form"');
    await request(app).post('/stats/calendar/announcements').type('form').send({ period: '1405-09', kind: 'final', date, time: '09:00' }).expect((res) => expect([303, 403, 404]).toContain(res.status));
    expect(await t.knex('release_announcements').where({ period: '1405-09' }).first()).toBeUndefined();
    const json = await request(app).get('/api/v1/stats/calendar').expect(200);
    const item = json.body.announcements.find((x: { id: number }) => x.id === a.id);
    expect(item).toMatchObject({ period: '1405-Q2', kind: 'final', first_release_at: new Date(a.release_at).toISOString(), release_at: new Date(moved.release_at).toISOString(), published_at: null });
    expect(item.moves).toEqual([expect.objectContaining({ reason: 'تأخیر در بررسی استان‌ها' })]);

    const ics = await request(app).get('/stats/calendar.ics').expect(200);
    expect(ics.headers['content-type']).toContain('text/calendar');
    const cal = parseIcs(ics.text);
    expect(cal.props).toEqual(expect.arrayContaining([['VERSION', '2.0'], ['CALSCALE', 'GREGORIAN']]));
    expect(cal.props.some(([n]) => n === 'PRODID')).toBe(true);
    const event = cal.events.find((e) => e.get('UID')!.startsWith(`announcement-${a.id}@`))!;
    expect(event.get('DTSTART')).toBe(new Date(moved.release_at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''));
    expect(event.get('SEQUENCE')).toBe('1');
    expect(unescapeText(event.get('SUMMARY')!)).toBe('آمار فصلی نهایی — تابستان ۱۴۰۵');
    expect(unescapeText(event.get('DESCRIPTION')!)).toContain('جابه‌جا شد: تأخیر در بررسی استان‌ها');
  });

  it('a date already passed never moves', async () => {
    const [a] = await t.knex('release_announcements').insert({ period: '1404-01', kind: 'final', release_at: new Date(Date.now() - 86400_000), first_release_at: new Date(Date.now() - 86400_000) }).returning('id');
    const future = jalaliStamp(new Date(Date.now() + 5 * 86400_000)).date;
    const res = await office.agent.post(`/stats/calendar/announcements/${a.id}/moves`).type('form').send({ _csrf: office.csrf, date: future, time: '09:00', reason: 'می‌خواهیم عقب بیندازیم' }).expect(422);
    expect(res.text).toContain('دیگر جابه‌جا نمی‌شود');
    expect(await t.knex('release_announcement_moves').where({ announcement_id: a.id })).toHaveLength(0);
  });
});

describe('SDMX', () => {
  let releaseId: number;
  beforeAll(async () => {
    // Tehran's division 24 fails the rule (primary); Isfahan's is hidden to protect it (secondary).
    releaseId = await insertRelease({ period: '1404-05', cells: smallCube() });
    await t.knex('release_cells').where({ release_id: releaseId, geo: '23', node: '24' }).update({ primary: true });
    await t.knex('release_cells').where({ release_id: releaseId, geo: '10', node: '24' }).update({ primary: false });
    await insertRelease({ period: '1404-06', preliminary: true, cells: smallCube(3n) });
  });
  const get = (path: string, token = deputyToken) => request(app).get(`/api/v1/sdmx${path}`).set('Authorization', `Bearer ${token}`);

  it('lists its dataflows and data structures (office and planning deputy; any other token is told it does not exist)', async () => {
    const flows = await get('/structure/dataflow').expect(200);
    expect(flows.body.data.dataflows.map((f: { id: string }) => f.id)).toEqual(['PSP_RELEASE', 'PSP_INDEX']);
    const dsd = await get('/structure/datastructure/IR_MIMT/DSD_PSP_RELEASE/1.0.0').expect(200);
    const comps = dsd.body.data.dataStructures[0].dataStructureComponents;
    expect(comps.dimensionList.dimensions.map((d: { id: string }) => d.id)).toEqual(['FREQ', 'REF_AREA', 'ACTIVITY', 'PRODUCT', 'MEASURE', 'UNIT_MEASURE', 'UNIT_MULT']);
    expect(comps.dimensionList.timeDimensions[0].id).toBe('TIME_PERIOD');
    expect(comps.attributeList.attributes.map((a: { id: string }) => a.id)).toEqual(expect.arrayContaining(['OBS_STATUS', 'CONF_STATUS']));
    await get('/structure/dataflow', officeToken).expect(200);
    await get('/structure/dataflow', unitToken).expect(404);
    await request(app).get('/api/v1/sdmx/structure/dataflow').expect(401);
  });

  it('SDMX-JSON 2.0 validates against the schema; a suppressed observation has no value, OBS_STATUS Q and CONF_STATUS C or D', async () => {
    const res = await get('/data/PSP_RELEASE/M..._Z.PRODUCTION_VALUE..').query({ startPeriod: '2025-M05', endPeriod: '1404-06' }).set('Accept', 'application/vnd.sdmx.data+json;version=2.0.0').expect(200);
    expect(res.headers['content-type']).toContain('application/vnd.sdmx.data+json');
    const schema = JSON.parse(readFileSync(new URL('./fixtures/sdmx-json-2.0.0-data-schema.json', import.meta.url), 'utf8'));
    delete schema.$schema; // "http://json-schema.org/schema#" (any draft): validated as draft-07, which the schema is written in
    const ajv = new Ajv({ allErrors: true, schemaId: 'auto' });
    const validate = ajv.compile(schema);
    expect(validate(res.body), ajv.errorsText(validate.errors)).toBe(true);
    // A broken message does not validate: the check can fail.
    expect(validate({ ...res.body, meta: { ...res.body.meta, id: 'has spaces' } })).toBe(false);

    const s = res.body.data.structures[0];
    const dims: { id: string; values: { id?: string; value?: string }[] }[] = s.dimensions.observation;
    const code = (i: number, pos: number) => dims[i].values[pos].id ?? dims[i].values[pos].value;
    const obs = Object.entries(res.body.data.dataSets[0].observations as Record<string, [number | null, number, number]>).map(([key, [value, o, c]]) => {
      const k = key.split(':').map(Number);
      return { area: code(1, k[1]), activity: code(2, k[2]), time: code(7, k[7]), value, obs: s.attributes.observation[0].values[o].id, conf: s.attributes.observation[1].values[c].id };
    });
    expect(obs.find((o) => o.area === '23' && o.activity === '24' && o.time === '2025-M05')).toMatchObject({ value: null, obs: 'Q', conf: 'C' });
    expect(obs.find((o) => o.area === '10' && o.activity === '24' && o.time === '2025-M05')).toMatchObject({ value: null, obs: 'Q', conf: 'D' });
    expect(obs.find((o) => o.area === 'IR' && o.activity === '_T' && o.time === '2025-M05')).toMatchObject({ value: 1500, obs: 'A', conf: 'F' });
    // The preliminary release of 1404-06 is provisional.
    expect(obs.find((o) => o.area === 'IR' && o.activity === '_T' && o.time === '2025-M06')).toMatchObject({ value: 4500, obs: 'P', conf: 'F' });
  });

  it('SDMX-CSV 2.0 reads back, through a CSV parser, to the very cells stored', async () => {
    const res = await get('/data/dataflow/IR_MIMT/PSP_RELEASE/1.0.0/M......').query({ format: 'csv', startPeriod: '1404-05', endPeriod: '1404-05' }).expect(200);
    expect(res.headers['content-type']).toContain('application/vnd.sdmx.data+csv');
    const [header, ...rows] = await readCsv(res.text);
    expect(header).toEqual(['STRUCTURE', 'STRUCTURE_ID', 'ACTION', 'FREQ', 'REF_AREA', 'ACTIVITY', 'PRODUCT', 'MEASURE', 'UNIT_MEASURE', 'UNIT_MULT', 'TIME_PERIOD', 'OBS_VALUE', 'OBS_STATUS', 'CONF_STATUS', 'REPORTING_YEAR_START_DAY']);
    const col = (name: string) => header.indexOf(name);
    const back = rows.map((r) => ({ geo: r[col('REF_AREA')], isic: r[col('ACTIVITY')] === '_T' ? 'T' : r[col('ACTIVITY')], value: r[col('OBS_VALUE')] === '' ? null : r[col('OBS_VALUE')], suppressed: r[col('OBS_STATUS')] === 'Q' }));
    const stored = (await t.knex('release_cells').where({ release_id: releaseId, measure: 'production_value' }).select('geo', 'node as isic', t.knex.raw('value::text as value'), 'suppressed')) as { geo: string; isic: string; value: string | null; suppressed: boolean }[];
    const sort = <T extends { geo: string; isic: string }>(xs: T[]) => [...xs].sort((a, b) => `${a.geo}|${a.isic}`.localeCompare(`${b.geo}|${b.isic}`));
    expect(sort(back)).toEqual(sort(stored));
    expect(rows.every((r) => r[col('STRUCTURE_ID')] === 'IR_MIMT:PSP_RELEASE(1.0.0)' && r[col('TIME_PERIOD')] === '2025-M05')).toBe(true);
  });

  it('answers unknown flows, keys, periods and formats with SDMX REST errors in Persian', async () => {
    const flow = await get('/data/NOPE/all').expect(404);
    expect(flow.body.errors[0]).toMatchObject({ code: 100 });
    expect(flow.body.errors[0].detail).toContain('جریان داده');
    const parts = await get('/data/PSP_RELEASE/M.IR').expect(400);
    expect(parts.body.errors[0]).toMatchObject({ code: 140 });
    expect(parts.body.errors[0].detail).toContain('بخش');
    const code = await get('/data/PSP_RELEASE/X......').expect(404);
    expect(code.body.errors[0].detail).toContain('FREQ');
    const period = await get('/data/PSP_RELEASE/all').query({ startPeriod: 'last-year' }).expect(400);
    expect(period.body.errors[0].detail).toContain('startPeriod');
    const format = await get('/data/PSP_RELEASE/all').query({ format: 'xml' }).expect(406);
    expect(format.body.errors[0].title).toBe('قالب خواسته‌شده پشتیبانی نمی‌شود');
    await get('/data/PSP_RELEASE/all').set('Accept', 'application/xml').expect(406);
    const none = await get('/data/PSP_RELEASE/all').query({ startPeriod: '1390-01', endPeriod: '1390-12' }).expect(404);
    expect(none.body.errors[0].code).toBe(100);
    // The error message validates as an SDMX-JSON message too.
    const schema = JSON.parse(readFileSync(new URL('./fixtures/sdmx-json-2.0.0-data-schema.json', import.meta.url), 'utf8'));
    delete schema.$schema;
    const validate = new Ajv({ schemaId: 'auto' }).compile(schema);
    expect(validate(none.body)).toBe(true);
  });
});

describe('CSV downloads', () => {
  it('codes like 05 and 0510 read back as text with their zeros, in the wide and the long CSV', async () => {
    await insertRelease({ period: '1404-03', cells: [
      { geo: 'IR', isic: 'T', value: 900 }, { geo: 'IR', isic: 'B', value: 900 }, { geo: 'IR', isic: '05', value: 900 }, { geo: 'IR', isic: '0510', value: 900 },
      { geo: '00', isic: 'T', value: 400 }, { geo: '00', isic: 'B', value: 400 }, { geo: '00', isic: '05', value: 400 }, { geo: '00', isic: '0510', value: 400 },
    ] });
    const q = { period: '1404-03', rows: 'isic_class', cols: 'province', measure: 'production_value' };
    const wide = await office.agent.get('/stats/aggregates').query({ ...q, format: 'csv' }).expect(200);
    expect(wide.text.startsWith('\ufeff')).toBe(true);
    expect(wide.text).not.toContain('\t');
    const wideRows = await readCsv(wide.text);
    expect(wideRows.map((r) => r[0])).toContain('0510');
    const long = await office.agent.get('/stats/aggregates').query({ ...q, rows: 'isic_division', format: 'csv-long' }).expect(200);
    const longRows = await readCsv(long.text);
    expect(longRows.some((r) => r[0] === '05' && r[2] === '00')).toBe(true);
    const page = await office.agent.get('/stats/aggregates').query(q).expect(200);
    expect(page.text).toContain('id="download-advice"');
  });
});

describe('revision statistics', () => {
  const at = (day: number) => new Date(Date.UTC(2026, 0, day));
  it('MR and MAR of levels, in percent of the first estimate, as computed by hand', () => {
    // 1404-01: 100 → 104 (+4 %); 1404-02: 200 → 190 → 196 (−2 %); 1404-03: 50 alone (left out).
    const s = levelRevisions(new Map([
      ['1404-01', [{ publishedAt: at(1), value: 100 }, { publishedAt: at(20), value: 104 }]],
      ['1404-02', [{ publishedAt: at(25), value: 190 }, { publishedAt: at(2), value: 200 }, { publishedAt: at(30), value: 196 }]],
      ['1404-03', [{ publishedAt: at(3), value: 50 }]],
    ]));
    expect(s.n).toBe(2);
    expect(s.mr).toBeCloseTo((4 + -2) / 2, 10); // 1
    expect(s.mar).toBeCloseTo((4 + 2) / 2, 10); // 3
  });

  it('MR and MAR of month-on-month growth in real time, in points, as computed by hand', () => {
    // t−1 = 100 first (day 1), revised to 110 (day 15). t first published day 10 at 105: growth then
    // 105/100 − 1 = 5 %. t revised day 20 to 99: growth now 99/110 − 1 = −10 %. Revision −15 points.
    // t+1 first day 21 at 99 (base then 99: 0 %), never revised since: left out.
    const series = new Map([
      ['1404-01', [{ publishedAt: at(1), value: 100 }, { publishedAt: at(15), value: 110 }]],
      ['1404-02', [{ publishedAt: at(10), value: 105 }, { publishedAt: at(20), value: 99 }]],
      ['1404-03', [{ publishedAt: at(21), value: 99 }]],
    ]);
    const s = growthRevisions(series, (p) => addMonths(p, -1));
    expect(s.revisions.map((r) => r.period)).toEqual(['1404-02']);
    expect(s.revisions[0].first).toBeCloseTo(5, 10);
    expect(s.revisions[0].latest).toBeCloseTo(-10, 10);
    expect(s.mr).toBeCloseTo(-15, 10);
    expect(s.mar).toBeCloseTo(15, 10);
  });

  it('the metadata page computes MR/MAR of the national totals from the stored vintages, and its protection report in Persian', async () => {
    // 1403-01: preliminary 1000, final 1100 (+10 %); 1403-02: final 2000, revision 1900 (−5 %).
    await insertRelease({ period: '1403-01', preliminary: true, cells: [{ geo: 'IR', isic: 'T', value: 1000 }] });
    await insertRelease({ period: '1403-01', cells: [{ geo: 'IR', isic: 'T', value: 1100 }] });
    await insertRelease({ period: '1403-02', cells: [{ geo: 'IR', isic: 'T', value: 2000 }] });
    await insertRelease({ period: '1403-02', revision: 2, cells: [{ geo: 'IR', isic: 'T', value: 1900 }] });
    const page = await request(app).get('/stats/metadata/month').expect(200);
    // MR (10 − 5) / 2 = 2.5; MAR (10 + 5) / 2 = 7.5; over 2 periods (others have one vintage each).
    expect(page.text).toMatch(/id="mr-levels">[^<]*MR\): ۲٫۵ درصد؛[^<]*MAR\): ۷٫۵ درصد؛ بر پایه ۲ دوره/);
    expect(page.text).toContain('id="protection-report"');
    expect(page.text).toContain('S.۷ محرمانگی');
    // The vintages table (figures) is for the readers of releases only.
    expect(page.text).not.toContain('id="vintages"');
    const signedIn = await office.agent.get('/stats/metadata/month').expect(200);
    expect(signedIn.text).toContain('id="vintages"');
    await request(app).get('/stats/metadata/week').expect(404);
    await request(app).get('/stats/metadata/index').expect(200);
  });
});
