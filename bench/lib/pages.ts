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
export const BENCH_CODES = 30_000;
/** The pages, first and deep (a page far down a ranking costs what the first does: the rank needs every unit). */
const PAGES = ['/province/units', '/province/units?page=100', '/province/priority', '/province/priority?page=100', '/nominations', '/nominations?page=100',
  '/catalogue/mapping', '/catalogue/mapping?page=20', '/register'];
// The bench's codes: the demo source (the schema knows no other for them) and a name of their own.
const BENCH_NAME = 'محصول آزمون بنچ';

/** Times of one page: wall (median and worst) and the app's CPU per request (median; the server runs in this process). */
export interface PageNumbers { path: string; medianMs: number; maxMs: number; cpuMs: number; bytes: number; status: number; load: number }

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
  const [cookie] = await createSessions(k, [officer.id], secret);
  const server = await startInline(secret);
  const out: PageNumbers[] = [];
  try {
    for (const path of PAGES) {
      const times: number[] = [];
      const cpu: number[] = [];
      let last = { status: 0, bytes: 0, ms: 0 };
      for (let r = 0; r < runs + 1; r++) {
        const before = process.cpuUsage();
        last = await get(server.appUrl + path, cookie!);
        const used = process.cpuUsage(before);
        if (r > 0) { times.push(last.ms); cpu.push((used.user + used.system) / 1000); } // the first opens caches
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const mid = Math.floor(times.length / 2);
      out.push({ path, medianMs: times[mid]!, maxMs: times.at(-1)!, cpuMs: cpu[mid]!, bytes: last.bytes, status: last.status, load: Math.round(os.loadavg()[0] * 100) / 100 });
      log(`  ${path}: ${out.at(-1)!.medianMs.toFixed(0)} ms (worst ${out.at(-1)!.maxMs.toFixed(0)}, app CPU ${out.at(-1)!.cpuMs.toFixed(0)} ms), ${last.bytes} bytes, ${last.status}, load ${out.at(-1)!.load}`);
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
