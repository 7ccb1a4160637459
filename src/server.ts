import type { Server } from 'node:http';
import { env, usingEmbeddedDatabase } from './env.ts';
import { db, closeDb } from './db.ts';
import { log } from './log.ts';
import { createApp } from './app.ts';
import { prepareDatabase } from './setup.ts';
import { ROLE_LABELS } from './views.ts';

// The only file that listens.
async function main(): Promise<void> {
  const k = db();
  const demo = await prepareDatabase(k, { demo: env.SEED_DEMO ? env.SEED_DEMO === '1' : usingEmbeddedDatabase });
  const app = createApp();
  const server: Server = app.listen(env.PORT, env.HOST, () => {
    const where = usingEmbeddedDatabase ? `embedded PostgreSQL in ${env.DATA_DIR}` : 'PostgreSQL server (DATABASE_URL)';
    console.log(`\nسامانه آمار تولید: ${env.PUBLIC_URL}  (${where})`);
    if (demo) {
      console.log(`\nDemo accounts (password for all: ${demo.password}):`);
      for (const a of demo.accounts) console.log(`  ${a.email.padEnd(28)} ${ROLE_LABELS[a.role] ?? a.role} — ${a.note}`);
    }
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    server.close(async () => {
      await closeDb().catch(() => undefined);
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 20_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
