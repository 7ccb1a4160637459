// Starts a worker thread on a TypeScript module (workerData.module, a file URL) through tsx,
// which the main thread's loader does not reach on Node 20.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.module, import.meta.url);
