import { protectValuesOf, type ValuesInput } from './protect-job.ts';
import { answerInThread } from './thread.ts';

// The values of a quarter or the year, protected in a thread of their own (protect-job.ts
// VALUES_THREAD_ROWS): their problem and solver go back to the system when it ends, before the
// release's thread protects the product families and proves the release.

await answerInThread((input: ValuesInput, hooks) => protectValuesOf(input, hooks));
