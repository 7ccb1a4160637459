import { describe, it, expect } from 'vitest';
import express from 'express';
import session from 'express-session';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { redirectAfterSessionSave } from '../src/redirect-after-save.ts';

// The contract src/redirect-after-save.ts relies on, with Express and express-session alone: a
// redirect carrying a flash message reaches the browser only after the session store has it.

/** A session store that takes its time to write, and says when it has. */
class SlowStore extends session.MemoryStore {
  saved: number[] = [];
  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    setTimeout(() => super.set(sid, sess, (err?: unknown) => { this.saved.push(Date.now()); cb?.(err); }), 80);
  }
}

function appWith(store: SlowStore, patched: boolean) {
  const app = express();
  app.use(session({ store, secret: 'contract-test', resave: false, saveUninitialized: false }));
  if (patched) app.use(redirectAfterSessionSave);
  app.get('/flash', (req, res) => {
    req.session.flash = [{ kind: 'success', text: 'ذخیره شد' }];
    res.redirect(303, '/next');
  });
  app.get('/plain', (_req, res) => res.redirect('/elsewhere'));
  return app;
}

/**
 * GETs `path` and reports, at the moment the status line and headers arrive (when a browser
 * already follows a redirect), the status, the location and how many saves the store had done.
 */
async function headersArrival(app: express.Express, store: SlowStore, path: string): Promise<{ status: number; location: string | undefined; savedBefore: number }> {
  const server = await new Promise<http.Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path }, (res) => {
        const seen = { status: res.statusCode ?? 0, location: res.headers.location, savedBefore: store.saved.length };
        res.resume();
        res.on('end', () => resolve(seen));
      }).on('error', reject);
    });
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('a redirect after a flash message', () => {
  it('reaches the browser only after the session store has the message, with its status and location', async () => {
    const store = new SlowStore();
    expect(await headersArrival(appWith(store, true), store, '/flash')).toEqual({ status: 303, location: '/next', savedBefore: 1 });
  });

  it('without the patch, express-session sends the headers before its save has finished: the reason the patch exists', async () => {
    const store = new SlowStore();
    expect(await headersArrival(appWith(store, false), store, '/flash')).toMatchObject({ status: 303, savedBefore: 0 });
  });

  it('a redirect without a status keeps Express\u2019s 302', async () => {
    const res = await request(appWith(new SlowStore(), true)).get('/plain');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/elsewhere');
  });
});
