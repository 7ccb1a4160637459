import { Router } from 'express';

export function statsApiRouter(): Router {
  const router = Router();
  return router;
}
