import { Router } from 'express';

export function verificationsRouter(): Router {
  const router = Router();
  return router;
}
