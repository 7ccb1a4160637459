import { parentPort, Worker, workerData } from 'node:worker_threads';
import { ProtectionFailure } from './protect.ts';

// Protection runs in a worker thread (DESIGN §7 "releases are jobs"): HiGHS solves on the thread
// that calls it, so the instance that serves the portal never waits on the solver, and the
// thread's memory is given back when it ends. One protocol for every protection — a release's
// values and products (protect-job.ts), the index of production (production-index/protection.ts).

export type Phase = 'reading' | 'values' | 'products' | 'storing' | 'computing';

export interface ProtectionHooks { log?: (line: string) => void; progress?: (phase: Phase, share: number) => void }

export class Cancelled extends Error {}

type ThreadMessage =
  | { type: 'progress'; phase: Phase; share: number }
  | { type: 'log'; line: string }
  | { type: 'done'; output: unknown }
  | { type: 'failure'; message: string; cell?: string; blockers: number[] }
  | { type: 'error'; message: string; stack?: string };

/**
 * Runs `module` (a TypeScript module that calls `answerInThread`) in a worker thread on `input`.
 * `cancelled()` is asked every 250 ms; when it says yes the thread is stopped and the promise
 * rejects with Cancelled. A ProtectionFailure in the thread rejects with a ProtectionFailure.
 */
export function inProtectionThread<O>(module: URL, input: unknown, hooks: ProtectionHooks & { cancelled?: () => boolean } = {}): Promise<O> {
  const worker = new Worker(new URL('../../thread-boot.mjs', import.meta.url), { workerData: { module: module.href, input } });
  return new Promise<O>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      fn();
      void worker.terminate();
    };
    const watch = setInterval(() => { if (hooks.cancelled?.()) finish(() => reject(new Cancelled())); }, 250);
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') hooks.progress?.(m.phase, m.share);
      else if (m.type === 'log') hooks.log?.(m.line);
      else if (m.type === 'done') finish(() => resolve(m.output as O));
      else if (m.type === 'failure') finish(() => reject(new ProtectionFailure(m.message, m.cell, m.blockers)));
      else finish(() => reject(Object.assign(new Error(m.message), { stack: m.stack })));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the protection thread stopped (exit code ${code})`))));
  });
}

/** The thread's side: runs `work` on the thread's input and posts its result, its failure or its error. */
export async function answerInThread<I, O>(work: (input: I, hooks: ProtectionHooks) => Promise<O>): Promise<void> {
  const port = parentPort!;
  try {
    const output = await work((workerData as { input: I }).input, {
      log: (line) => port.postMessage({ type: 'log', line }),
      progress: (phase, share) => port.postMessage({ type: 'progress', phase, share }),
    });
    port.postMessage({ type: 'done', output });
  } catch (e) {
    if (e instanceof ProtectionFailure) port.postMessage({ type: 'failure', message: e.message, cell: e.cell, blockers: [...e.blockers] });
    else port.postMessage({ type: 'error', message: (e as Error).message, stack: (e as Error).stack });
  }
}
