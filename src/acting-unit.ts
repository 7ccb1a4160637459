import type { Request } from 'express';
import { currentUser } from './auth/guards.ts';
import { isApproved, type UnitRow } from './units/row.ts';

declare module 'express-session' {
  interface SessionData {
    currentUnitId?: number;
  }
}

/**
 * The unit a unit user acts for, among their own units only (read with the session, approved
 * ones first): the one `asked` for (the API's `?unit_id=`), else the one chosen in the session,
 * else the first. `approvedOnly`: the pages, the certificate and the status, which have nothing to
 * show for a unit not yet approved; the filings API answers such a unit itself (unit_not_approved).
 * Undefined when there is none (or the asked one is not theirs).
 */
export function actingUnit(req: Request, opts: { approvedOnly: boolean; asked?: unknown }): UnitRow | undefined {
  const own = currentUser(req).units;
  const units = opts.approvedOnly ? own.filter(isApproved) : own;
  if (opts.asked !== undefined) return units.find((u) => String(u.id) === String(opts.asked));
  const chosen = req.session?.currentUnitId;
  return units.find((u) => u.id === chosen) ?? units[0];
}
