import { closeDb } from '../db.ts';
import { log } from '../log.ts';
import { startJobWorker } from '../stats/jobs/worker.ts';

// `npm run stats:worker`: runs the statistics office's jobs (releases, index computations) in a
// process of its own, for an operator who sets STATS_WORKER=off on the web instances. Stops on
// SIGTERM or SIGINT after the job in hand (a job cut short is taken over by another worker).
const worker = startJobWorker({ pollMs: 2000 });
log.info('statistics job worker started');
const stop = async () => {
  await worker.stop();
  await closeDb();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
