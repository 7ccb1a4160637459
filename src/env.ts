import { z } from 'zod';

// The only reader of process.env: everything else imports `env`.
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATA_DIR: z.string().default('./data'),
  SESSION_SECRET: z.string().min(16).optional(),
  PUBLIC_URL: z.string().url().optional(), // default: http://localhost:<PORT>
  TRUST_PROXY: z.enum(['0', '1']).default('0'),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  SEED_DEMO: z.enum(['0', '1']).optional(),
  NIGHTLY_CRON: z.string().regex(/^\d{1,2}:\d{2}$/).default('01:00'),
  SCHEDULER: z.enum(['on', 'off']).default('on'),
  STATS_WORKER: z.enum(['on', 'off']).default('on'), // run the statistics office's jobs (releases, index) in this instance
  SHUTDOWN_TIMEOUT: z.coerce.number().int().min(1).max(600).default(25), // seconds to finish requests in flight on SIGTERM
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('آمار تولید <no-reply@localhost>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(), // default: info, silent under tests
});

export type Env = Omit<z.infer<typeof schema>, 'PUBLIC_URL'> & { PUBLIC_URL: string };
/** Every variable the app reads (docker-compose.yml is checked against this list). */
export const envKeys = Object.keys(schema.shape) as (keyof Env)[];

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${lines}`);
  }
  // The address users type: unless told, the port this instance listens on.
  return Object.freeze({ ...result.data, PUBLIC_URL: result.data.PUBLIC_URL ?? `http://localhost:${result.data.PORT}` });
}

export const env: Env = parseEnv(process.env);
export const usingEmbeddedDatabase = !env.DATABASE_URL;
