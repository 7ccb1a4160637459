import { Router } from 'express';

export function unitsRouter(): Router {
  const router = Router();
  return router;
}
