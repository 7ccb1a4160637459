import crypto from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import type { Knex } from 'knex';
import { createSessions, removeFixtures } from './fixtures.ts';
import { startInline } from './server.ts';

// Issue 23: the officer's long lists at national size, one request at a time (service time, not
// load): each page answered under 500 ms and 200 kB. The mapping queue is measured with the
// catalogue at BENCH_CODES codes (extra codes added for the run, removed afterwards).

export const PAGE_TARGETS = { ms: 500, bytes: 200_000 } as const;
/**
 * The statistics pages (issue 26: their timings moved here from test/stats-speed.test.ts, where
 * a busy machine failed `npm test`): a view of a stored release in every format under 100 ms,
 * the statistics office's pages, the performance report and the national nominations under a second.
 */
export const STATS_PAGE_TARGETS = { viewMs: 100, pageMs: 1000 } as const;
export const BENCH_CODES = 30_000;
/** The pages, first and deep (a page far down a ranking costs what the first does: the rank needs every unit). */
const PAGES = ['/province/units', '/province/units?page=100', '/province/priority', '/province/priority?page=100', '/nominations', '/nominations?page=100',
  '/catalogue/mapping', '/catalogue/mapping?page=20', '/register'];
// The bench's codes: the demo source (the schema knows no other for them) and a name of their own.
const BENCH_NAME = 'محصول آزمون بنچ';

/** Times of one page: wall (median and worst) and the app's CPU per request (median; the server runs in this process). */
export interface PageNumbers {
  path: string; medianMs: number; maxMs: number; cpuMs: number; bytes: number; status: number; load: number;
  /** Who asked (the largest province's officer unless said), the time and size it must stay under. */
  who?: string; targetMs?: number; maxBytes?: number | null;
}

function get(url: string, cookie: string): Promise<{ status: number; bytes: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { cookie } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - started }));
    }).on('error', reject);
  });
}

/** The largest province's officer opens each page `runs` times; median and worst time, size of the answer. */
export async function measurePages(k: Knex, runs: number, log: (line: string) => void): Promise<PageNumbers[]> {
  const [biggest] = (await k.raw(`select province_code from units group by province_code order by count(*) desc limit 1`)).rows as { province_code: string }[];
  const officer = await k('users').where({ role: 'province_officer', province_code: biggest!.province_code }).whereNotNull('role_confirmed_at').first('id');
  if (!officer) throw new Error(`no confirmed officer in province ${biggest!.province_code}`);
  const have = Number((await k('catalogue').count('* as n'))[0]!.n);
  const extra = Math.max(0, BENCH_CODES - have);
  log(`pages: officer of province ${biggest!.province_code}; catalogue ${have} codes + ${extra} for the run…`);
  const classes: string[] = (await k('isic_codes').where({ level: 'class' }).pluck('code')) as string[];
  for (let i = 0; i < extra; i += 1000) {
    await k('catalogue').insert(Array.from({ length: Math.min(1000, extra - i) }, (_, j) => {
      const n = i + j;
      const cls = classes[n % classes.length]!;
      return { code: `${cls}9${String(n).padStart(5, '0')}`, isic_class: cls, name_fa: `${BENCH_NAME} ${benchName(n)}`, unit_of_measure_code: 't', active_from: '1390-01', source: 'demo' };
    })).onConflict('code').ignore();
  }
  const secret = crypto.randomBytes(32).toString('hex');
  const stats = await k('users').where({ role: 'stats_office', active: true }).whereNotNull('role_confirmed_at').first('id');
  const deputy = await k('users').where({ role: 'planning_deputy', active: true }).whereNotNull('role_confirmed_at').first('id');
  const [cookie, statsCookie, deputyCookie] = await createSessions(k, [officer.id, stats?.id ?? officer.id, deputy?.id ?? officer.id], secret);
  const released = await k('releases').where({ preliminary: false }).whereRaw("period ~ '^[0-9]{4}-[0-9]{2}$'").orderBy('period', 'desc').first('period');
  const asked: { path: string; cookie: string; who?: string; targetMs?: number; maxBytes?: number | null }[] = PAGES.map((path) => ({ path, cookie: cookie! }));
  if (stats) {
    const office = { cookie: statsCookie!, who: 'the statistics office', maxBytes: null };
    if (released) {
      const view = `/stats/aggregates?period=${released.period}&rows=province&cols=isic_class`;
      for (const path of [`${view}&measure=production_value`, `${view}&measure=value_added&format=json`, `${view}&measure=employees&format=csv`,
        `/stats/aggregates?period=${released.period}&rows=isic_division&cols=province&measure=units&format=xlsx`, `/stats/aggregates?period=${released.period}&rows=isic_section&measure=production_value`]) {
        asked.push({ path, ...office, targetMs: STATS_PAGE_TARGETS.viewMs });
      }
    } else log('pages: no final release stored (run the stats part first): its views are not measured');
    asked.push({ path: '/stats', ...office, targetMs: STATS_PAGE_TARGETS.pageMs });
    if (released) {
      asked.push({ path: `/stats/performance?period=${released.period}`, ...office, targetMs: STATS_PAGE_TARGETS.pageMs });
      asked.push({ path: `/stats/performance?period=${released.period}`, cookie: cookie!, targetMs: STATS_PAGE_TARGETS.pageMs, maxBytes: null });
    }
  } else log('pages: no confirmed statistics office account: its pages are not measured');
  if (deputy) asked.push({ path: '/nominations/national', cookie: deputyCookie!, who: 'the planning deputy', targetMs: STATS_PAGE_TARGETS.pageMs, maxBytes: null });
  const server = await startInline(secret);
  const out: PageNumbers[] = [];
  try {
    for (const { path, cookie: as, ...target } of asked) {
      const times: number[] = [];
      const cpu: number[] = [];
      let last = { status: 0, bytes: 0, ms: 0 };
      let firstMs = 0;
      for (let r = 0; r < runs + 1; r++) {
        const before = process.cpuUsage();
        last = await get(server.appUrl + path, as);
        const used = process.cpuUsage(before);
        if (r > 0) { times.push(last.ms); cpu.push((used.user + used.system) / 1000); } else firstMs = last.ms; // the first opens caches
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const mid = Math.floor(times.length / 2);
      out.push({ path, medianMs: times[mid]!, maxMs: times.at(-1)!, cpuMs: cpu[mid]!, bytes: last.bytes, status: last.status, load: Math.round(os.loadavg()[0] * 100) / 100, ...target });
      log(`  ${path}: ${out.at(-1)!.medianMs.toFixed(0)} ms (worst ${out.at(-1)!.maxMs.toFixed(0)}, app CPU ${out.at(-1)!.cpuMs.toFixed(0)} ms; first, unmeasured: ${firstMs.toFixed(0)} ms), ${last.bytes} bytes, ${last.status}, load ${out.at(-1)!.load}`);
    }
  } finally {
    await server.close();
    await removeFixtures(k);
    await removeBenchCodes(k);
  }
  return out;
}

// Names of three words from a product vocabulary, so that codes differ as a real catalogue's do
// (a catalogue of 30,000 near-identical names costs the ranking more: about 1.8 s, measured once).
const WORDS = ['شیر', 'ماست', 'پنیر', 'کره', 'آهن', 'فولاد', 'میلگرد', 'ورق', 'سیمان', 'گچ', 'آجر', 'کاشی', 'سرامیک', 'شیشه', 'روغن', 'قند',
  'شکر', 'آرد', 'نان', 'کاغذ', 'مقوا', 'پارچه', 'نخ', 'فرش', 'کفش', 'چرم', 'رنگ', 'لوله', 'کابل', 'سیم', 'باتری', 'لاستیک', 'پلاستیک', 'دارو',
  'کود', 'سم', 'خودرو', 'موتور', 'پمپ', 'شیر‌آلات', 'مس', 'روی', 'سرب', 'آلومینیوم', 'زغال', 'سنگ', 'نمک', 'چای', 'قهوه', 'کنسرو'];
const ADJECTIVES = ['صنعتی', 'خانگی', 'پاستوریزه', 'فشرده', 'گالوانیزه', 'سفید', 'سیاه', 'رنگی', 'ساده', 'مرکب', 'خام', 'تصفیه‌شده', 'بسته‌بندی', 'فله', 'ویژه'];
const benchName = (n: number) => `${WORDS[n % WORDS.length]} ${ADJECTIVES[Math.floor(n / WORDS.length) % ADJECTIVES.length]} ${WORDS[Math.floor(n / 7) % WORDS.length]} نوع ${n}`;

/** The codes the pages part added (and nothing links to them: the bench links no product). */
export async function removeBenchCodes(k: Knex): Promise<number> {
  return k('catalogue').where({ source: 'demo' }).where('name_fa', 'like', `${BENCH_NAME} %`).delete();
}
