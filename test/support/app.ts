import { createApp } from '../../src/app.ts';
import { freshDatabase, type TestDatabase } from './db.ts';

export type App = ReturnType<typeof createApp>;

/**
 * A fresh database installed as db() and the app on it: the start of every test file that goes
 * through HTTP. `loginLimit` is high so that signing in many named users never trips it.
 */
export async function freshApp(opts: Parameters<typeof createApp>[0] = { loginLimit: 1000 }): Promise<{ t: TestDatabase; app: App }> {
  const t = await freshDatabase();
  return { t, app: createApp(opts) };
}
