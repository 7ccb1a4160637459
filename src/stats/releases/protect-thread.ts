import { protectInputs } from './protect-job.ts';
import { answerInThread } from './thread.ts';

// The worker thread of protectInThread (protect-job.ts): protects one release and posts the result.
await answerInThread(protectInputs);
