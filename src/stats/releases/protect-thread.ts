import { createServerDatabase } from '../../db.ts';
import { handOver, readInputs, readLine, type ThreadInput, type ThreadOutput } from './inputs.ts';
import { protectInputs } from './protect-job.ts';
import { answerInThread } from './thread.ts';

// The worker thread of protectInThread (inputs.ts): builds one release and posts the result. On a
// PostgreSQL server it reads the inputs itself, over a connection of its own: the rows of a
// national release (half a million objects) then never reach the instance, whose idle heap kept
// them as garbage for the whole build (measured: 0.2 GB of a 1.03 GB peak).
await answerInThread(async (input: ThreadInput, hooks): Promise<ThreadOutput> => {
  if ('inputs' in input) return { read: null, output: await protectInputs(input.inputs, hooks) };
  const { url, request, cutOff, rules } = input.read;
  hooks.progress?.('reading', 0);
  const started = performance.now();
  const k = createServerDatabase(url, 1);
  const read = await readInputs(request, cutOff, rules, k).finally(() => k.destroy());
  const seconds = Math.round(performance.now() - started) / 1000;
  const { fingerprint, group, contributors } = read;
  if (contributors === 0) return { read: { fingerprint, group, contributors, seconds }, output: null };
  const inputs = handOver(read);
  hooks.log?.(readLine(read, inputs, seconds));
  return { read: { fingerprint, group, contributors, seconds }, output: await protectInputs(inputs, hooks) };
});
