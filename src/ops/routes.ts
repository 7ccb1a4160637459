import { Router } from 'express';
import { db } from '../db.ts';
import { latestMigration } from '../../migrations/index.ts';

export function opsRouter(): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    try {
      const done = await db()('knex_migrations').where({ name: latestMigration }).first('id');
      if (!done) return res.status(503).json({ status: 'migrations pending' });
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  return router;
}
