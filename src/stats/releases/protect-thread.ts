import { parentPort, workerData } from 'node:worker_threads';
import { protectInputs, type ProtectionInputs } from './protect-job.ts';
import { ProtectionFailure } from './protect.ts';

// The worker thread of protectInThread (protect-job.ts): protects one release and posts the result.
const port = parentPort!;
try {
  const output = await protectInputs((workerData as { inputs: ProtectionInputs }).inputs, {
    log: (line) => port.postMessage({ type: 'log', line }),
    progress: (phase, share) => port.postMessage({ type: 'progress', phase, share }),
  });
  port.postMessage({ type: 'done', output });
} catch (e) {
  if (e instanceof ProtectionFailure) port.postMessage({ type: 'failure', message: e.message, cell: e.cell, blockers: [...e.blockers] });
  else port.postMessage({ type: 'error', message: (e as Error).message, stack: (e as Error).stack });
}
