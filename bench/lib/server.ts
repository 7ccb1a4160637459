import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createApp } from '../../src/app.ts';
import { db } from '../../src/db.ts';

// The server under load: the portal (createApp) and a bare Express app answering a fixed string,
// each on a random loopback port. By default in a child process of the bench, so that autocannon
// (in the bench's own process) and the server each have an event loop and the server's memory is
// its own; `inline` runs them in the bench's process (needed for the embedded database, which
// lives inside one process).

export interface MemoryNumbers { peakRssMb: number; maxRssMb: number }

/** Running totals of the server process: CPU time (user + system) and database queries sent. */
export interface Counters { cpuMs: number; queries: number }

export interface BenchServer {
  appUrl: string;
  bareUrl: string;
  memory(): Promise<MemoryNumbers>;
  counters(): Promise<Counters>;
  close(): Promise<void>;
}

/** Listens with both apps and samples RSS every 50 ms; used inline and by the child process. */
export async function listenBoth(sessionSecret: string): Promise<{ appPort: number; barePort: number; memory(): MemoryNumbers; counters(): Counters; close(): Promise<void> }> {
  let queries = 0;
  db().on('query', () => { queries++; });
  const app = createApp({ sessionSecret, loginLimit: 1_000_000, apiLimit: 1_000_000 });
  app.enable('view cache'); // as in production (NODE_ENV=production turns it on)
  const bare = express();
  bare.disable('x-powered-by');
  bare.get('/', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  const listen = (handler: express.Express) => new Promise<Server>((resolve) => {
    const s = handler.listen(0, '127.0.0.1', () => resolve(s));
  });
  const appServer = await listen(app);
  const bareServer = await listen(bare);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  sampler.unref();
  const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  const close = (s: Server) => new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
  return {
    appPort: (appServer.address() as AddressInfo).port,
    barePort: (bareServer.address() as AddressInfo).port,
    memory: () => ({ peakRssMb: mb(Math.max(peak, process.memoryUsage().rss)), maxRssMb: mb(process.resourceUsage().maxRSS * 1024) }),
    counters: () => {
      const c = process.cpuUsage();
      return { cpuMs: (c.user + c.system) / 1000, queries };
    },
    close: async () => {
      clearInterval(sampler);
      await Promise.all([close(appServer), close(bareServer)]);
    },
  };
}

export async function startInline(sessionSecret: string): Promise<BenchServer> {
  const s = await listenBoth(sessionSecret);
  return {
    appUrl: `http://127.0.0.1:${s.appPort}`,
    bareUrl: `http://127.0.0.1:${s.barePort}`,
    memory: async () => s.memory(),
    counters: async () => s.counters(),
    close: s.close,
  };
}

type ChildMessage = { type: 'ready'; appPort: number; barePort: number } | { type: 'memory'; memory: MemoryNumbers } | { type: 'counters'; counters: Counters } | { type: 'closed' } | { type: 'error'; message: string };

/** The server in a child process (tsx), production settings, its request log sent to /dev/null. */
export async function startChild(opts: { sessionSecret: string; databaseUrl: string; poolMax?: number; cpuProfDir?: string; instances?: number }): Promise<BenchServer> {
  const entry = path.join(import.meta.dirname, 'server-child.ts');
  const child: ChildProcess = fork(entry, [], {
    execArgv: ['--import', 'tsx', ...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [])],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: opts.databaseUrl,
      SESSION_SECRET: opts.sessionSecret,
      SCHEDULER: 'off',
      BENCH_INSTANCES: String(opts.instances ?? 1),
      ...(opts.poolMax ? { DATABASE_POOL_MAX: String(opts.poolMax) } : {}),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waitFor = <T extends ChildMessage['type']>(type: T) => new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type === 'error') { cleanup(); reject(new Error(`bench server: ${m.message}`)); }
      if (m.type === type) { cleanup(); resolve(m as Extract<ChildMessage, { type: T }>); }
    };
    const onExit = (code: number | null) => { cleanup(); reject(new Error(`bench server exited with ${code}`)); };
    const cleanup = () => { child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  const ready = await waitFor('ready');
  return {
    appUrl: `http://127.0.0.1:${ready.appPort}`,
    bareUrl: `http://127.0.0.1:${ready.barePort}`,
    memory: async () => {
      const answer = waitFor('memory');
      child.send({ type: 'memory' });
      return (await answer).memory;
    },
    counters: async () => {
      const answer = waitFor('counters');
      child.send({ type: 'counters' });
      return (await answer).counters;
    },
    close: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'close' });
      await exited;
    },
  };
}
