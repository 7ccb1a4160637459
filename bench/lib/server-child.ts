import { env } from '../../src/env.ts';
import { closeDb } from '../../src/db.ts';
import { listenBoth } from './server.ts';

// Child-process entry of the bench server (see server.ts): reports its ports, answers memory
// questions, and exits cleanly (so --cpu-prof writes its profile) when told to close.

const send = (m: object) => process.send?.(m);

try {
  const s = await listenBoth(env.SESSION_SECRET ?? '');
  send({ type: 'ready', appPort: s.appPort, barePort: s.barePort });
  process.on('message', async (m: { type: string }) => {
    if (m.type === 'memory') send({ type: 'memory', memory: s.memory() });
    if (m.type === 'counters') send({ type: 'counters', counters: s.counters() });
    if (m.type === 'close') {
      await s.close();
      await closeDb();
      process.disconnect?.();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
} catch (e) {
  send({ type: 'error', message: String((e as Error).message ?? e) });
  process.exit(1);
}
