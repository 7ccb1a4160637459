import { Router, type Request, type Response } from 'express';
import { requireRole } from '../auth/guards.ts';
import { auditFrom } from '../audit.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { listProvinces } from '../units/model.ts';
import { ROLE_LABELS } from '../glossary.ts';
import { ACTION_LABELS, parseAuditFilter, auditPage, auditRows, actionsInLog, actionLabel, csvRecord, auditObject, detailPairs, CSV_HEADER, PAGE_SIZE, type AuditFilterValues } from './audit-log.ts';
import { downloadHeaders, csvLine, CSV_BOM, CSV_TYPE } from '../export.ts';

// GET /admin/audit: the audit log, filterable and paged; GET /admin/audit.csv: the same rows as CSV.
export function auditRouter(): Router {
  const router = Router();
  const admin = requireRole('admin');
  router.get('/admin/audit', ...admin, showAudit);
  router.get('/admin/audit.csv', ...admin, heavy(exportAudit));
  return router;
}

/** The filters as a query string, for page links and the CSV link. */
function queryOf(values: AuditFilterValues, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...values, ...extra })) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function showAudit(req: Request, res: Response) {
  const { values, result } = parseAuditFilter(req.query as Record<string, unknown>);
  const [actions, provinces] = await Promise.all([actionsInLog(), listProvinces()]);
  const page = result.ok ? await auditPage(result.data) : { rows: [], hasNext: false };
  const n = result.ok ? result.data.page : 1;
  res.status(result.ok ? 200 : 422).render('admin/audit', {
    title: 'گزارش رویدادها',
    values,
    errors: result.ok ? {} : result.errors,
    actions: actions.map((a) => ({ code: a, label: actionLabel(a) })),
    provinces,
    rows: page.rows.map((r) => ({ ...r, label: actionLabel(r.action), known: r.action in ACTION_LABELS, object: auditObject(r.target), details: detailPairs(r.details) })),
    targetLabel: values.target ? auditObject(values.target)?.label ?? '' : '',
    pageNumber: n,
    firstRow: (n - 1) * PAGE_SIZE + 1,
    prevHref: n > 1 ? `/admin/audit${queryOf(values, { page: String(n - 1) })}` : null,
    nextHref: page.hasNext ? `/admin/audit${queryOf(values, { page: String(n + 1) })}` : null,
    csvHref: `/admin/audit.csv${queryOf(values)}`,
  });
}

async function exportAudit(req: Request, res: Response) {
  const { values, result } = parseAuditFilter(req.query as Record<string, unknown>);
  if (!result.ok) {
    res.redirect(303, `/admin/audit${queryOf(values)}`);
    return;
  }
  // The export is itself an event worth knowing about.
  await auditFrom(req, { action: 'audit.export', details: Object.fromEntries(Object.entries(values).filter(([, v]) => v)) });
  downloadHeaders(res, CSV_TYPE, 'audit-log.csv');
  res.write(CSV_BOM + csvLine(CSV_HEADER));
  // Streamed batch by batch, each statement under the heavy-request timeout.
  await withStatementTimeout(async (k) => {
    for await (const batch of auditRows({ ...result.data, page: 1 }, k)) {
      res.write(batch.map((r) => csvLine(csvRecord(r, (role) => ROLE_LABELS[role] ?? role))).join(''));
    }
  });
  res.end();
}
