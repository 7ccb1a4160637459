import { Router } from 'express';

export function nominationsRouter(): Router {
  const router = Router();
  return router;
}
