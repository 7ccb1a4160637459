import { answerInThread, runInThread } from '../../src/stats/releases/thread.ts';

// A thread whose solver aborts (test/protection-thread.test.ts). highs.mjs's abort() throws
// `new WebAssembly.RuntimeError('Aborted(…)')` — what HiGHS threw when the year's repair needed more
// than its 2 GB (bench/RESULTS.md, session 16; a model grown past 2 GB by hand throws the same, but
// takes 17 s and 2 GB to get there). `nested`: the abort happens in a thread this thread started,
// as a product-family thread beside a release's values (protect-job.ts).
await answerInThread(async (input: { nested: boolean }) => {
  if (input.nested) return runInThread(new URL('./abort-thread.ts', import.meta.url), { nested: false });
  throw new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
});
