import { Router } from 'express';

export function filingsApiRouter(): Router {
  const router = Router();
  return router;
}
