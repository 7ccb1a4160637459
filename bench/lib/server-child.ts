import cluster, { type Worker } from 'node:cluster';
import { env } from '../../src/env.ts';
import { closeDb } from '../../src/db.ts';
import { listenBoth, type Counters, type MemoryNumbers } from './server.ts';

// Child-process entry of the bench server (see server.ts): reports its ports, answers questions
// about memory and counters, and exits cleanly (so --cpu-prof writes its profile) when told to
// close. With BENCH_INSTANCES > 1 it is a cluster primary: that many app processes share the
// ports (stateless instances, as behind a load balancer: docs/scaling.md) and it sums their numbers.

type Message = { type: string; memory?: MemoryNumbers; counters?: Counters; appPort?: number; barePort?: number; message?: string };
const send = (m: object) => process.send?.(m);
const instances = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 1));

async function serveOne(): Promise<void> {
  const s = await listenBoth(env.SESSION_SECRET ?? '');
  send({ type: 'ready', appPort: s.appPort, barePort: s.barePort });
  process.on('message', async (m: Message) => {
    if (m.type === 'memory') send({ type: 'memory', memory: s.memory() });
    if (m.type === 'counters') send({ type: 'counters', counters: s.counters() });
    if (m.type === 'close') {
      await s.close();
      await closeDb();
      process.disconnect?.();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Asks every worker the same question and waits for each answer. */
function askAll(workers: Worker[], type: 'memory' | 'counters'): Promise<Message[]> {
  return Promise.all(workers.map((w) => new Promise<Message>((resolve) => {
    const on = (m: Message) => { if (m.type === type) { w.off('message', on); resolve(m); } };
    w.on('message', on);
    w.send({ type });
  })));
}

async function servePrimary(): Promise<void> {
  const workers = Array.from({ length: instances }, () => cluster.fork());
  const ready = await Promise.all(workers.map((w) => new Promise<Message>((resolve, reject) => {
    w.on('message', (m: Message) => { if (m.type === 'ready') resolve(m); if (m.type === 'error') reject(new Error(m.message)); });
    w.once('exit', (code) => reject(new Error(`bench server instance exited with ${code}`)));
  })));
  send({ type: 'ready', appPort: ready[0].appPort, barePort: ready[0].barePort });
  process.on('message', async (m: Message) => {
    if (m.type === 'memory') {
      const all = await askAll(workers, 'memory');
      send({ type: 'memory', memory: { peakRssMb: Math.round(all.reduce((t, x) => t + (x.memory?.peakRssMb ?? 0), 0) * 10) / 10, maxRssMb: Math.round(all.reduce((t, x) => t + (x.memory?.maxRssMb ?? 0), 0) * 10) / 10 } });
    }
    if (m.type === 'counters') {
      const all = await askAll(workers, 'counters');
      send({ type: 'counters', counters: { cpuMs: all.reduce((t, x) => t + (x.counters?.cpuMs ?? 0), 0), queries: all.reduce((t, x) => t + (x.counters?.queries ?? 0), 0) } });
    }
    if (m.type === 'close') {
      await Promise.all(workers.map((w) => new Promise<void>((resolve) => { w.once('exit', () => resolve()); w.send({ type: 'close' }); })));
      process.disconnect?.();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

try {
  if (instances > 1 && cluster.isPrimary) await servePrimary();
  else await serveOne();
} catch (e) {
  send({ type: 'error', message: String((e as Error).message ?? e) });
  process.exit(1);
}
