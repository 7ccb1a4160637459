import pino from 'pino';
import { env } from './env.ts';

// Structured JSON logs, one object per line on stdout. Never pass a password, token, session id
// or a unit's figures in here: the request log records only who, which route, status and time.

interface Sink { write(line: string): void }

// Written synchronously, so the shutdown line is out before the process exits.
const stdout: Sink = pino.destination({ dest: 1, sync: true });
let sink: Sink = stdout;

const redact = {
  paths: ['password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'cookie', '*.cookie', 'sid', '*.sid', 'req.headers', 'body', '*.body'],
  censor: '[redacted]',
};

export const log = pino(
  {
    level: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact,
    base: { app: 'production-statistics-portal', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  { write: (line: string) => sink.write(line) },
);

/**
 * Sends every log line to `into` at `level` until the returned function is called (tests read
 * what would have been logged).
 */
export function captureLogs(into: Sink, level: pino.Level = 'info'): () => void {
  const previous = { sink, level: log.level };
  sink = into;
  log.level = level;
  return () => {
    sink = previous.sink;
    log.level = previous.level;
  };
}
