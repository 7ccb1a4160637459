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

export async function load(name: string, url: string, opts: { connections: number; duration: number; rotation?: Rotation; offset?: number; rate?: number }): Promise<HttpNumbers> {
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
  // `rate`: requests per second offered by all connections together (an arrival rate), not as fast as answered.
  const result = await autocannon({ url, connections: opts.connections, duration: opts.duration, requests, timeout: 30, ...(opts.rate ? { overallRate: opts.rate } : {}) });
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
