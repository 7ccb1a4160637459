import type { Server } from 'node:http';
import path from 'node:path';
import { env, usingEmbeddedDatabase } from './env.ts';
import { db, closeDb } from './db.ts';
import { queuedWorkDone } from './mail.ts';
import { log } from './log.ts';
import { createApp } from './app.ts';
import { prepareDatabase } from './setup.ts';
import { ROLE_LABELS } from './glossary.ts';
import { whileHoldingStartupLock } from './ops/startup-lock.ts';
import { claimDataDir } from './ops/data-dir-lock.ts';
import { startScheduler } from './jobs/scheduler.ts';
import { runNightly } from './jobs/nightly.ts';
import { startJobWorker } from './stats/jobs/worker.ts';

// The only file that listens. Many instances may run on one PostgreSQL server: sessions live in
// the database and the nightly job takes an advisory lock, so any instance can serve any request.

/** A step of starting up, said as it begins: a first start migrates and seeds for up to a minute. */
const step = (what: string) => log.info({ step: what }, what);

async function main(): Promise<void> {
  // Only one process may open the embedded database's folder (released when the process exits).
  if (usingEmbeddedDatabase) claimDataDir(path.resolve(env.DATA_DIR));
  step(usingEmbeddedDatabase ? `opening the embedded database in ${path.resolve(env.DATA_DIR)}…` : 'connecting to the PostgreSQL server…');
  const k = db();
  // Instances starting together prepare the database one at a time (see startup-lock.ts).
  const prepare = () => prepareDatabase(k, { demo: env.SEED_DEMO ? env.SEED_DEMO === '1' : usingEmbeddedDatabase, say: step });
  const demo = env.DATABASE_URL ? await whileHoldingStartupLock(env.DATABASE_URL, prepare) : await prepare();
  step(`starting the web server on ${env.HOST}:${env.PORT}…`);
  const app = createApp();
  const server: Server = app.listen(env.PORT, env.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const listening = `http://${env.HOST === '0.0.0.0' || env.HOST === '::' ? 'localhost' : env.HOST}:${port}`;
  log.info({ port, listening, url: env.PUBLIC_URL, database: usingEmbeddedDatabase ? 'embedded' : 'server', scheduler: env.SCHEDULER }, 'started');
  step(`listening on ${listening}`);
  if (demo) {
    console.log(`\nسامانه آمار تولید: http://localhost:${port}\nDemo accounts (password for all: ${demo.password}):`);
    for (const a of demo.accounts) console.log(`  ${a.email.padEnd(28)} ${ROLE_LABELS[a.role] ?? a.role} — ${a.note}`);
  }

  const stopJobs = await startJobs();

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    const began = Date.now();
    log.info({ signal, timeoutS: env.SHUTDOWN_TIMEOUT }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      log.error({ signal, afterS: env.SHUTDOWN_TIMEOUT }, 'requests still in flight at the shutdown timeout: closing them');
      server.closeAllConnections();
      // Open transactions die with their connections and roll back: nothing is half-stored.
      setTimeout(() => process.exit(1), 1000).unref();
    }, env.SHUTDOWN_TIMEOUT * 1000);
    force.unref();
    // Keep-alive connections that finish their last request are closed as soon as they go idle.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    clearInterval(idle);
    try {
      await stopJobs();
      await queuedWorkDone(); // mails queued by answered requests (forgot password)
      await closeDb();
    } catch (err) {
      log.error({ err }, 'error while closing');
      process.exit(1);
    }
    clearTimeout(force);
    log.info({ signal, ms: Date.now() - began }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * Starts the statistics office's job worker unless STATS_WORKER=off, and the nightly scheduler
 * unless SCHEDULER=off (every instance schedules it; the job's advisory lock lets one of them
 * work). Stopping cancels the next run and waits for a running one, so the pool is not closed
 * under it; a statistics job still running at the shutdown timeout is taken over by another
 * worker once its heartbeat is stale (nothing of it was stored).
 */
async function startJobs(): Promise<() => Promise<void>> {
  const statsWorker = env.STATS_WORKER === 'on' ? startJobWorker() : null;
  if (statsWorker) log.info('statistics job worker started');
  const stopWorker = async () => { await statsWorker?.stop(); };
  if (env.SCHEDULER === 'off') return stopWorker;
  let running: Promise<unknown> | null = null;
  const scheduler = startScheduler({
    time: env.NIGHTLY_CRON,
    run: (at) => {
      running = runNightly(db(), { at }).finally(() => { running = null; });
      return running;
    },
  });
  log.info({ next: scheduler.next() }, 'nightly job scheduled');
  return async () => {
    scheduler.stop();
    if (running) await (running as Promise<unknown>).catch(() => undefined);
    await stopWorker();
  };
}

main().catch((err) => {
  log.fatal({ err }, 'could not start');
  process.exit(1);
});
