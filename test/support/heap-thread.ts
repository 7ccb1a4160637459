import { answerInThread } from '../../src/stats/releases/thread.ts';

// A thread that keeps `mb` megabytes alive on its heap (test/protection-thread.test.ts).
await answerInThread(async (input: { mb: number }) => {
  const kept: number[][] = [];
  for (let i = 0; i < input.mb; i++) kept.push(new Array<number>(128 * 1024).fill(i + 0.5)); // 128 Ki doubles: 1 MB
  return { chunks: kept.length };
});
