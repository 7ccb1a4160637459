import type { Knex } from 'knex';
import type { Request } from 'express';
import { db } from './db.ts';

export interface AuditEntry {
  /** When it happened: now, unless history is being written (the demo seed replays past years). */
  at?: Date;
  action: string;
  userId?: number | null;
  unitId?: number | null;
  provinceCode?: string | null;
  target?: string | null;
  details?: Record<string, unknown> | null;
  ip?: string | null;
}

// The one writer of the audit log: audit() for an entry, auditMany() for a batch (an import),
// auditFrom() for a request's own entry, auditInsert() for one inside a caller's transaction, and
// auditStatement() for a statement that folds the entry in (a filing's submission). The only other
// inserts are set-based: the province's bulk verification (verifications/model.ts, one statement
// with its decisions) and the demo seed's replay of the history it writes (seeds/demo.ts).

/** An entry as its row of `audit_log`. */
function auditRow(entry: AuditEntry) {
  return {
    ...(entry.at ? { at: entry.at } : {}),
    action: entry.action,
    user_id: entry.userId ?? null,
    unit_id: entry.unitId ?? null,
    province_code: entry.provinceCode ?? null,
    target: entry.target ?? null,
    details: entry.details ? JSON.stringify(entry.details) : null,
    ip: entry.ip ?? null,
  };
}

/**
 * The insert of one audit entry as SQL text and its bindings, for a statement that folds it in (a
 * filing's submission). The text is the same for every entry, so it is prepared once per connection.
 */
export function auditStatement(entry: AuditEntry): { sql: string; bindings: (string | number | Date | null)[] } {
  const r = auditRow(entry);
  return {
    sql: `insert into audit_log (at, action, user_id, unit_id, province_code, target, details, ip)
          values (coalesce(?::timestamptz, current_timestamp), ?, ?::int, ?::int, ?, ?, ?::jsonb, ?)`,
    bindings: [entry.at ?? null, r.action, r.user_id, r.unit_id, r.province_code, r.target, r.details, r.ip],
  };
}

/** The insert of one audit entry (inside the caller's transaction). */
export function auditInsert(entry: AuditEntry, k: Knex = db()): Knex.Raw {
  const { sql, bindings } = auditStatement(entry);
  return k.raw(sql, bindings);
}

/** Appends many entries, a thousand rows a statement (inside the caller's transaction). */
export async function auditMany(entries: readonly AuditEntry[], k: Knex = db()): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) await k('audit_log').insert(entries.slice(i, i + 1000).map(auditRow));
}

/** Appends to the audit log (DESIGN §2: every officer's view of a unit's filing, every decision). */
export async function audit(entry: AuditEntry, k: Knex = db()): Promise<void> {
  await auditInsert(entry, k);
}

export function auditFrom(req: Request, entry: Omit<AuditEntry, 'userId' | 'ip'>, k: Knex = db()): Promise<void> {
  return audit({ ...entry, userId: req.user?.id ?? null, ip: req.ip ?? null }, k);
}
