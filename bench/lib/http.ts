import http from 'node:http';
import autocannon from 'autocannon';

// Load with autocannon from the bench's process on loopback. Each request of a rotating run
// carries the next session cookie / token and body from a list, so every request acts for a
// different unit (until the list wraps, which the result reports).

export interface HttpNumbers {
  name: string;
  connections: number;
  durationS: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Distinct units that were acted for (requests beyond the list reuse units). */
  distinct: number;
  samples: string[]; // first few non-2xx answers, for diagnosis
  /** Server CPU time (user + system) per answered request, in ms. */
  serverCpuMsPerRequest?: number;
  /** Database queries the server sent per answered request. */
  queriesPerRequest?: number;
  /** Busy CPU time of the whole machine per answered request (every process), in ms. */
  machineCpuMsPerRequest?: number;
}

export interface Rotation {
  method: 'GET' | 'PUT';
  path: (i: number) => string;
  headers: (i: number) => Record<string, string>;
  /** The body of the request for unit `i`; `seq` grows with every request of the process. */
  body?: (i: number, seq: number) => string;
  size: number;
}

let sequence = 0;

export async function load(name: string, url: string, opts: { connections: number; duration: number; rotation?: Rotation; offset?: number }): Promise<HttpNumbers> {
  let i = opts.offset ?? 0;
  let used = 0;
  const samples: string[] = [];
  const rot = opts.rotation;
  const requests: autocannon.Request[] | undefined = rot
    ? [{
        method: rot.method,
        setupRequest: (req) => {
          const n = i++ % rot.size;
          used++;
          return {
            ...req,
            method: rot.method,
            path: rot.path(n),
            headers: { ...rot.headers(n), ...(rot.body ? { 'content-type': 'application/json' } : {}) },
            ...(rot.body ? { body: rot.body(n, ++sequence) } : {}),
          };
        },
        ...(rot.method === 'PUT'
          ? { onResponse: (status: number, body: string) => { if ((status < 200 || status > 299) && samples.length < 5) samples.push(`${status} ${body.slice(0, 300)}`); } }
          : {}),
      }]
    : undefined;
  const result = await autocannon({ url, connections: opts.connections, duration: opts.duration, requests, timeout: 30 });
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = v.count ?? 0;
  const total = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    name,
    connections: opts.connections,
    durationS: result.duration,
    requests: total,
    rps: total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    distinct: rot ? Math.min(used, rot.size) : 0,
    samples,
  };
}

const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : 0);

/**
 * An open-loop load: requests start at a steady `rate` per second whatever the answers do (as
 * users arrive), over at most `connections` keep-alive sockets. Each latency is counted from the
 * request's scheduled start, so waiting for a free socket or a busy server counts too.
 * (autocannon's own rate limit sends each second's quota in one burst at the start of the second.)
 */
export async function paced(name: string, url: string, opts: { rate: number; connections: number; duration: number; rotation: Rotation; offset?: number }): Promise<HttpNumbers> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const rot = opts.rotation;
  const total = Math.round(opts.rate * opts.duration);
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const samples: string[] = [];
  let errors = 0;
  let timeouts = 0;
  const inFlight = new Set<Promise<void>>();
  const fire = (n: number, scheduled: number) => {
    const i = ((opts.offset ?? 0) + n) % rot.size;
    const body = rot.body?.(i, ++sequence);
    const p = new Promise<void>((resolve) => {
      const req = http.request(new URL(rot.path(i), url), {
        method: rot.method,
        agent,
        timeout: 30_000,
        headers: { ...rot.headers(i), ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { if (text.length < 300) text += d; });
        res.on('end', () => {
          latencies.push(performance.now() - scheduled);
          const code = String(res.statusCode);
          statusCodes[code] = (statusCodes[code] ?? 0) + 1;
          if (!code.startsWith('2') && samples.length < 5) samples.push(`${code} ${text.slice(0, 300)}`);
          resolve();
        });
      });
      req.on('timeout', () => { timeouts++; req.destroy(); });
      req.on('error', () => { errors++; resolve(); });
      req.end(body);
    });
    inFlight.add(p);
    void p.then(() => inFlight.delete(p));
  };
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * opts.rate));
      while (sent < due) { fire(sent, start + (sent * 1000) / opts.rate); sent++; }
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inFlight);
  agent.destroy();
  const durationS = (performance.now() - start) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const ok = Object.entries(statusCodes).filter(([c]) => c.startsWith('2')).reduce((t, [, n]) => t + n, 0);
  const answered = sorted.length;
  return {
    name,
    connections: opts.connections,
    durationS,
    requests: answered + errors,
    rps: answered / durationS,
    p50: Math.round(percentile(sorted, 0.5)),
    p99: Math.round(percentile(sorted, 0.99)),
    max: Math.round(sorted.at(-1) ?? 0),
    ok,
    non2xx: answered - ok,
    errors,
    timeouts,
    statusCodes,
    distinct: Math.min(total, rot.size),
    samples,
  };
}
