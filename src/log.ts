import pino from 'pino';
import { env } from './env.ts';

// Structured JSON logs. Never pass a password, token, session id or a unit's figures in here.
export const log = pino({
  level: env.NODE_ENV === 'test' && !process.env.LOG_LEVEL ? 'silent' : env.LOG_LEVEL,
  redact: { paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie', 'sid'], censor: '[redacted]' },
  base: { app: 'production-statistics-portal' },
});
