import { Router } from 'express';

export function eligibilityApiRouter(): Router {
  const router = Router();
  return router;
}
