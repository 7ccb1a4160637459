import crypto from 'node:crypto';

// The one patch of pg's internals (issue 13): every parameterised statement of a server
// connection becomes a named prepared statement. It relies on two contracts, each checked by
// test/db-prepared.test.ts so that an upgrade of pg or knex fails a test, not production:
// knex's pg client sends each query as `connection.query({ text, values }, callback)`, and pg's
// `Client#query` accepts a `name` in that config and reports errors with their SQLSTATE `code`.

/** The part of pg's Client this patch touches. */
export interface QueryingClient { query: (...args: unknown[]) => unknown }

/** Named statements one server connection keeps at most; past it, new texts run unnamed. */
export const PREPARED_PER_CONNECTION = 300;

/** The statement's name: the same on every connection for the same text. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `psp_${crypto.createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
    if (statementNames.size >= 5000) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Makes every parameterised statement a named prepared statement on this connection, so
 * PostgreSQL parses and plans a query text once per connection instead of on every request
 * (planning dominated the dashboard and the submission: bench/RESULTS.md). PostgreSQL still plans per call where a generic plan would be worse
 * (plan_cache_mode auto). Statements without parameters (DDL, migrations) are left alone.
 */
export function prepareStatements(client: QueryingClient): void {
  const names = new Set<string>();
  // A table whose columns changed under a prepared `select *` (a migration run by a newer instance
  // while this one serves) fails with "cached plan must not change result type": that request
  // fails once, and the text runs unnamed on this connection from then on.
  const stale = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = (config: unknown, ...rest: unknown[]) => {
    if (config && typeof config === 'object' && 'text' in config && !('name' in config)) {
      const c = config as { text: string; values?: unknown[] };
      const name = c.values?.length ? statementName(c.text) : undefined;
      if (name && !stale.has(name) && (names.has(name) || names.size < PREPARED_PER_CONNECTION)) {
        names.add(name);
        const [callback, ...more] = rest;
        if (typeof callback !== 'function') return query({ ...c, name }, ...rest);
        return query({ ...c, name }, (err: (Error & { code?: string }) | null, result: unknown) => {
          if (err?.code === '0A000' && /cached plan must not change result type/.test(err.message)) stale.add(name);
          (callback as (e: unknown, r: unknown) => void)(err, result);
        }, ...more);
      }
    }
    return query(config, ...rest);
  };
}

