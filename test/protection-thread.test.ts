import v8 from 'node:v8';
import { describe, it, expect } from 'vitest';
import { Cancelled, collectGarbage, inProtectionThread, moreHeap, runInThread, SolverAborted, ThreadOutOfMemory, THREAD_HEAP_MB, type Phase } from '../src/stats/releases/thread.ts';

// A protection thread runs with a heap limit (V8 otherwise lets a national release's garbage grow
// its heap to 2 GB before collecting it); a thread that needs more is started again with twice as
// much, and past the last step with no limit at all.

const heapThread = new URL('./support/heap-thread.ts', import.meta.url);

describe("a protection thread's heap", () => {
  it('a thread that needs more than its heap rejects with ThreadOutOfMemory, naming the heap', async () => {
    const e = await inProtectionThread(heapThread, { mb: 120 }, {}, 48).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ThreadOutOfMemory);
    expect((e as ThreadOutOfMemory).heapMb).toBe(48);
  }, 120_000);

  it('runInThread starts it again with twice the heap until it fits, and says so', async () => {
    const lines: string[] = [];
    const out = await runInThread<{ chunks: number }>(heapThread, { mb: 120 }, { log: (l) => lines.push(l) }, 48);
    expect(out.chunks).toBe(120);
    expect(lines).toEqual(['the protection thread ran out of its 48 MB heap: again with 96', 'the protection thread ran out of its 96 MB heap: again with 192']);
  }, 120_000);

  it('the heap doubles from the default up to four times it, then has no limit', () => {
    expect(moreHeap(THREAD_HEAP_MB)).toBe(2 * THREAD_HEAP_MB);
    expect(moreHeap(2 * THREAD_HEAP_MB)).toBe(4 * THREAD_HEAP_MB);
    expect(moreHeap(4 * THREAD_HEAP_MB)).toBeNull();
    expect(moreHeap(null)).toBeNull();
  });
});

// A release's thread on a server stores the release itself: a cancel that comes while it stores
// must not report as cancelled a release that is committed, nor may a thread cancelled before
// store at all.
const storingThread = new URL('./support/storing-thread.ts', import.meta.url);

describe('cancelling a thread that stores its own result', () => {
  it('a cancel that comes while the thread stores is not honoured: the thread finishes and its result is given', async () => {
    let cancel = false;
    const out = await inProtectionThread<{ stored: boolean }>(storingThread, { storeMs: 1500 }, {
      cancelled: () => cancel,
      progress: (phase: Phase) => { if (phase === 'storing') cancel = true; },
    });
    expect(out).toEqual({ stored: true });
  }, 60_000);

  it('a cancel that came before the thread asks to store stops it before it stores', async () => {
    let cancel = false;
    const phases: Phase[] = [];
    const e = await inProtectionThread(storingThread, { storeMs: 0 }, {
      cancelled: () => cancel,
      progress: (phase: Phase) => { phases.push(phase); if (phase === 'values') cancel = true; },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Cancelled);
    expect(phases).toEqual(['values']);
  }, 60_000);
});

// HiGHS aborts (its WebAssembly memory cannot grow past 2 GB): the thread ends, the instance goes
// on, and the caller learns it was the solver (publish.ts makes it a failed job with a Persian reason).
const abortThread = new URL('./support/abort-thread.ts', import.meta.url);

describe('a solver that aborts in a thread', () => {
  it('rejects with SolverAborted, in the thread itself or in one it started; this process lives on', async () => {
    for (const nested of [false, true]) {
      const e = await runInThread(abortThread, { nested }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SolverAborted);
      expect((e as Error).message).toContain('Aborted()');
    }
    // and a thread started after it works
    expect((await runInThread<{ chunks: number }>(heapThread, { mb: 2 })).chunks).toBe(2);
  }, 60_000);
});

describe('collecting a thread\'s garbage before it waits idle', () => {
  it('frees what nothing holds any more', () => {
    const used = () => v8.getHeapStatistics().used_heap_size / 2 ** 20;
    let junk: number[][] | null = [];
    for (let i = 0; i < 200; i++) junk.push(new Array<number>(128 * 1024).fill(i + 0.5)); // 200 MB
    const before = used();
    junk = null;
    collectGarbage();
    expect(before - used()).toBeGreaterThan(150);
  });
});
