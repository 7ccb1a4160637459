import { Router } from 'express';

export function filingsRouter(): Router {
  const router = Router();
  return router;
}
