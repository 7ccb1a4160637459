import crypto from 'node:crypto';
import http from 'node:http';
import type { Knex } from 'knex';
import { createSessions, removeFixtures } from './fixtures.ts';
import { startInline } from './server.ts';

// Issue 23: the officer's long lists at national size, one request at a time (service time, not
// load): each page answered under 500 ms and 200 kB. The mapping queue is measured with the
// catalogue at BENCH_CODES codes (extra codes added for the run, removed afterwards).

export const PAGE_TARGETS = { ms: 500, bytes: 200_000 } as const;
export const BENCH_CODES = 30_000;
const BENCH_SOURCE = 'bench';

export interface PageNumbers { path: string; medianMs: number; maxMs: number; bytes: number; status: number }

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
      return { code: `${cls}9${String(n).padStart(5, '0')}`, isic_class: cls, name_fa: `محصول آزمون ${n} ${['شیر', 'آهن', 'سیمان', 'کاشی', 'روغن'][n % 5]}`, unit_of_measure_code: 't', active_from: '1390-01', source: BENCH_SOURCE };
    }));
  }
  const secret = crypto.randomBytes(32).toString('hex');
  const [cookie] = await createSessions(k, [officer.id], secret);
  const server = await startInline(secret);
  const out: PageNumbers[] = [];
  try {
    for (const path of ['/province/units', '/province/units?page=100', '/province/priority', '/nominations', '/catalogue/mapping', '/register']) {
      const times: number[] = [];
      let last = { status: 0, bytes: 0, ms: 0 };
      for (let r = 0; r < runs + 1; r++) {
        last = await get(server.appUrl + path, cookie!);
        if (r > 0) times.push(last.ms); // the first opens caches
      }
      times.sort((a, b) => a - b);
      out.push({ path, medianMs: times[Math.floor(times.length / 2)]!, maxMs: times.at(-1)!, bytes: last.bytes, status: last.status });
      log(`  ${path}: ${out.at(-1)!.medianMs.toFixed(0)} ms, ${last.bytes} bytes, ${last.status}`);
    }
  } finally {
    await server.close();
    await removeFixtures(k);
    await k('catalogue').where({ source: BENCH_SOURCE }).delete();
  }
  return out;
}
