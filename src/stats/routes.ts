import { Router } from 'express';

export function statsRouter(): Router {
  const router = Router();
  return router;
}
