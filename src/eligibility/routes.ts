import { Router } from 'express';

export function eligibilityRouter(): Router {
  const router = Router();
  return router;
}
