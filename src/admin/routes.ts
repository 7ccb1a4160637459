import { Router } from 'express';

export function adminRouter(): Router {
  const router = Router();
  return router;
}
