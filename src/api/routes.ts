import { Router } from 'express';

export function apiRouter(_opts: { limit?: number } = {}): Router {
  const router = Router();
  return router;
}
