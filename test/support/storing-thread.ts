import { answerInThread } from '../../src/stats/releases/thread.ts';

// A thread that stores as a release's thread does on a server (publish.ts readProtectStore): it
// asks leave to store, reports the phase, then takes `storeMs` to "store" (test/protection-thread.test.ts).
await answerInThread(async (input: { storeMs: number }, hooks) => {
  hooks.progress?.('values', 0.5);
  await hooks.storing?.();
  hooks.progress?.('storing', 0);
  await new Promise((resolve) => setTimeout(resolve, input.storeMs));
  return { stored: true };
});
