import { Router } from 'express';

export function apiDocsRouter(): Router {
  const router = Router();
  return router;
}
