import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { ProtectionFailure } from './protect.ts';
import { solverMemoryBytes } from './attack.ts';

// Protection runs in a worker thread (DESIGN §7 "releases are jobs"): HiGHS solves on the thread
// that calls it, so the instance that serves the portal never waits on the solver, and the
// thread's memory is given back when it ends. One protocol for every protection — a release's
// values and products (protect-job.ts), the index of production (production-index/protection.ts).

export type Phase = 'reading' | 'values' | 'products' | 'proof' | 'storing' | 'computing';

export interface ProtectionHooks {
  log?: (line: string) => void;
  progress?: (phase: Phase, share: number) => void;
  /**
   * Asks leave to store the result (a thread that stores its release itself: protect-thread.ts).
   * Resolves when given: from then on a cancel is not honoured until the thread reports another
   * phase, so a release the thread commits is never reported as cancelled. When the work was
   * cancelled before, the thread is stopped instead (its promise never settles).
   */
  storing?: () => Promise<void>;
}

export class Cancelled extends Error {}

/**
 * HiGHS aborted in the thread (its WebAssembly memory could not grow past its 2 GB, or a C++
 * exception: highs.mjs turns both into a WebAssembly.RuntimeError «Aborted(…)»). The solver of that
 * thread is dead; the thread ends and the instance goes on (bench/RESULTS.md, session 16: the year
 * after its 28 releases).
 */
export class SolverAborted extends Error {}

type ThreadMessage =
  | { type: 'progress'; phase: Phase; share: number }
  | { type: 'storing' }
  | { type: 'log'; line: string }
  | { type: 'done'; output: unknown }
  | { type: 'failure'; message: string; cell?: string; blockers: number[] }
  | { type: 'error'; message: string; stack?: string; solverAborted?: boolean };

/**
 * The old-space heap a protection thread starts with, in MB. A national release's live data is
 * 0.4–0.6 GB; with no limit V8 let the garbage of its problem builds grow the heap to 1.4–1.9 GB
 * before collecting it (100,000 units, bench/RESULTS.md, session 9). A thread that needs more runs
 * out of memory and is started again with twice as much (runInThread), up to no limit at all.
 */
export const THREAD_HEAP_MB = 1024;
const HEAP_STEPS = 3; // 1, 2, 4 GB, then no limit

/** A thread ran out of the heap it was given (ERR_WORKER_OUT_OF_MEMORY): the caller may start it again with more. */
export class ThreadOutOfMemory extends Error {
  constructor(readonly heapMb: number) { super(`the protection thread ran out of its ${heapMb} MB heap`); }
}

/** The heap after `heapMb`, or null (no limit) past the last step. */
export function moreHeap(heapMb: number | null): number | null {
  return heapMb === null || heapMb >= THREAD_HEAP_MB * 2 ** (HEAP_STEPS - 1) ? null : heapMb * 2;
}

/**
 * Runs `module` (a TypeScript module that calls `answerInThread`) in a worker thread on `input`,
 * with `heapMb` of old space (null: V8's own limit). `cancelled()` is asked every 250 ms; when it
 * says yes the thread is stopped and the promise rejects with Cancelled — except while the thread
 * stores (from its `storing` request, answered only when not cancelled, to its next phase). A
 * ProtectionFailure in the thread rejects with a ProtectionFailure; running out of the heap with
 * ThreadOutOfMemory; an abort of the solver with SolverAborted.
 */
export function inProtectionThread<O>(module: URL, input: unknown, hooks: ProtectionHooks & { cancelled?: () => boolean } = {}, heapMb: number | null = THREAD_HEAP_MB): Promise<O> {
  const worker = new Worker(new URL('../../thread-boot.mjs', import.meta.url), { workerData: { module: module.href, input }, ...(heapMb === null ? {} : { resourceLimits: { maxOldGenerationSizeMb: heapMb } }) });
  return new Promise<O>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      fn();
      void worker.terminate();
    };
    let storing = false;
    const watch = setInterval(() => { if (!storing && hooks.cancelled?.()) finish(() => reject(new Cancelled())); }, 250);
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'storing') {
        if (hooks.cancelled?.()) return finish(() => reject(new Cancelled()));
        storing = true;
        worker.postMessage({ type: 'store' });
      } else if (m.type === 'progress') {
        if (m.phase !== 'storing') storing = false;
        hooks.progress?.(m.phase, m.share);
      } else if (m.type === 'log') hooks.log?.(m.line);
      else if (m.type === 'done') finish(() => resolve(m.output as O));
      else if (m.type === 'failure') finish(() => reject(new ProtectionFailure(m.message, m.cell, m.blockers)));
      else finish(() => reject(Object.assign(m.solverAborted ? new SolverAborted(m.message) : new Error(m.message), { stack: m.stack })));
    });
    worker.on('error', (e: Error & { code?: string }) => finish(() => reject(e.code === 'ERR_WORKER_OUT_OF_MEMORY' && heapMb !== null ? new ThreadOutOfMemory(heapMb) : e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the protection thread stopped (exit code ${code})`))));
  });
}

/**
 * inProtectionThread, started again with twice the heap each time it runs out (the caller keeps
 * `input` for that: publish.ts, which does not, reads its inputs again instead).
 */
export async function runInThread<O>(module: URL, input: unknown, hooks: ProtectionHooks & { cancelled?: () => boolean } = {}, firstHeapMb = THREAD_HEAP_MB): Promise<O> {
  for (let heap: number | null = firstHeapMb; ; heap = moreHeap(heap)) {
    try {
      return await inProtectionThread<O>(module, input, hooks, heap);
    } catch (e) {
      if (!(e instanceof ThreadOutOfMemory)) throw e;
      hooks.log?.(`${e.message}: again with ${moreHeap(heap) ?? 'no limit'}`);
    }
  }
}

/**
 * A full garbage collection of this thread's heap now. V8 collects when a thread allocates, so a
 * thread that goes idle waiting on another keeps its garbage: the national 1404-Q4's release thread
 * kept 309 MB of what its reading left beside its values' thread, the year's 436 MB
 * (bench/RESULTS.md, session 17). `gc` is exposed to a new context only (the flag is process-wide;
 * nothing else reads it).
 */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** The thread's input, taken out of workerData (reachable for the thread's life): the work alone holds it, so what it drops is freed. */
function takeInput<I>(): I {
  const data = workerData as { input?: I };
  const input = data.input as I;
  delete data.input;
  return input;
}

/** The thread's side: runs `work` on the thread's input and posts its result, its failure or its error. */
export async function answerInThread<I, O>(work: (input: I, hooks: ProtectionHooks) => Promise<O>): Promise<void> {
  const port = parentPort!;
  try {
    const output = await work(takeInput<I>(), {
      // Each line says how much of the thread's own heap is in use: where a release's memory goes.
      log: (line) => port.postMessage({ type: 'log', line: `${line} [thread heap ${(v8.getHeapStatistics().used_heap_size / 2 ** 20).toFixed(0)} MB, solver ${(solverMemoryBytes() / 2 ** 20).toFixed(0)} MB]` }),
      progress: (phase, share) => port.postMessage({ type: 'progress', phase, share }),
      storing: () => new Promise<void>((resolve) => {
        port.once('message', () => resolve());
        port.postMessage({ type: 'storing' });
      }),
    });
    port.postMessage({ type: 'done', output });
  } catch (e) {
    if (e instanceof ProtectionFailure) port.postMessage({ type: 'failure', message: e.message, cell: e.cell, blockers: [...e.blockers] });
    else port.postMessage({ type: 'error', message: (e as Error).message, stack: (e as Error).stack, solverAborted: e instanceof WebAssembly.RuntimeError || e instanceof SolverAborted });
  }
}
