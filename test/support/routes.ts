import type { Express } from 'express';

// The app's whole route table, read from the router itself (Express 5 / router 2.x), so that a
// route added anywhere — in any feature router, however deeply mounted — shows up here and must
// then be given a line in the access matrix (test/support/access-matrix.ts).

export interface RouteEntry { method: string; path: string }

interface Layer {
  name: string;
  rawPath?: unknown;
  slash?: boolean;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function stringPath(p: unknown, where: string): string {
  if (typeof p !== 'string') throw new Error(`route table: ${where} has a non-string path (${String(p)}); give it a string path or teach test/support/routes.ts about it`);
  return p;
}

function walk(stack: Layer[], prefix: string, out: RouteEntry[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const p of paths) {
        const path = join(prefix, stringPath(p, `a route under ${prefix || '/'}`));
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on) out.push({ method: method === '_all' ? 'ALL' : method.toUpperCase(), path });
        }
      }
    } else if (Array.isArray(layer.handle.stack)) {
      // A mounted router: `app.use(router)` has rawPath '/' (slash true), `app.use('/api', router)` '/api'.
      const mounts = Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath];
      for (const m of mounts) {
        const mount = layer.slash ? '' : stringPath(m, `a router mounted under ${prefix || '/'}`);
        walk(layer.handle.stack, join(prefix, mount), out);
      }
    }
  }
}

/** Every (method, full path) pair the app answers, in registration order, without duplicates. */
export function routeTable(app: Express): RouteEntry[] {
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  const out: RouteEntry[] = [];
  walk(router.stack, '', out);
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = routeKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const routeKey = (r: RouteEntry): string => `${r.method} ${r.path}`;
