import { Router, type Request, type Response, type NextFunction } from 'express';
import { apiError, apiRole } from '../api/auth.ts';
import { currentUser } from '../auth/guards.ts';
import { loadSettings } from '../settings.ts';
import { currentFilingPeriod, deadlineOf, isPeriod, type Rules } from '../calendar.ts';
import { rialJson } from '../money.ts';
import { parseFiling, errorsWithCodes } from './forms.ts';
import {
  productsOf, findFiling, saveFiling, unitPeriods, timelinessOf, REFUSAL_MESSAGES, type Filing,
} from './model.ts';
import { actingUnit } from '../acting-unit.ts';
import type { UnitRow } from '../units/row.ts';

// The JSON API for units' own systems (issue 3 §5), behind bearer tokens (src/api/routes.ts).
// Same model as the form: saveFiling() applies the same rules, warnings and revisions.
//
// Warnings: `submit: true` with warnings needs `confirm_warnings: true`, otherwise nothing is
// stored and the answer is 422 `warnings_unconfirmed` listing them. A draft (`submit: false`) is
// stored with its warnings in the body. `base_revision` is optional: when sent and no longer the
// latest, the answer is 409 `stale_revision`; without it, a submission applies on top.
//
// A user with several units picks one with `?unit_id=`; by default the first approved unit.

const NOT_FOUND = 'یافت نشد.';

function withUnit(handler: (req: Request, res: Response, unit: UnitRow) => Promise<void>) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const unit = actingUnit(req, { approvedOnly: false, asked: req.query.unit_id });
      if (!unit) return apiError(res, 404, 'not_found', NOT_FOUND);
      await handler(req, res, unit);
    } catch (e) {
      next(e);
    }
  };
}

function requireApproved(res: Response, unit: UnitRow): boolean {
  if (unit.registration === 'approved') return true;
  apiError(res, 400, 'unit_not_approved', REFUSAL_MESSAGES.unit_not_approved);
  return false;
}

export function filingJson(f: Filing, at: Date, rules: Rules) {
  return {
    period: f.period,
    state: f.state,
    revision: f.revision,
    tracking_code: f.tracking_code,
    first_submitted_at: f.first_submitted_at,
    submitted_at: f.submitted_at,
    deadline: deadlineOf(f.period, rules),
    timeliness: timelinessOf(f.period, f.first_submitted_at, at, rules),
    return_reason: f.return_reason,
    verified_at: f.verified_at,
    employees: f.employees,
    production_value: rialJson(f.production_value),
    intermediate_consumption: rialJson(f.intermediate_consumption),
    value_added: rialJson(f.value_added),
    lines: f.lines.map((l) => ({ ...l, sales_value: rialJson(l.sales_value) })),
    warnings: f.warnings,
  };
}

async function getUnit(_req: Request, res: Response, unit: UnitRow): Promise<void> {
  const settings = await loadSettings();
  const current = currentFilingPeriod(new Date(), settings.rules);
  const products = await productsOf(unit.id);
  res.json({
    id: unit.id,
    name: unit.name,
    national_id: unit.national_id,
    licence_no: unit.licence_no,
    kind: unit.kind,
    isic_class: unit.isic_class,
    province_code: unit.province_code,
    registration: unit.registration,
    obligation_start: unit.obligation_start,
    status: unit.status,
    current_period: current,
    current_deadline: deadlineOf(current, settings.rules),
    products: products.map((p) => ({
      id: p.id, name: p.name, unit_of_measure: p.unit_of_measure, annual_capacity: p.annual_capacity, product_code: p.product_code,
      catalogue_code: p.catalogue_code ?? null, catalogue_name: p.catalogue_name ?? null, unit_of_measure_code: p.unit_of_measure_code ?? null,
    })),
  });
}

async function listFilings(req: Request, res: Response, unit: UnitRow): Promise<void> {
  if (!requireApproved(res, unit)) return;
  const from = req.query.from;
  const to = req.query.to;
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (v !== undefined && !isPeriod(v)) return apiError(res, 400, 'bad_period', `${name}: ${REFUSAL_MESSAGES.bad_period}`);
  }
  const settings = await loadSettings();
  const rows = await unitPeriods(unit, new Date(), settings.rules, { from: from as string | undefined, to: to as string | undefined });
  res.json({
    unit_id: unit.id,
    filings: rows.reverse().map((r) => ({
      period: r.period,
      state: r.state,
      deadline: r.deadline,
      first_submitted_at: r.first_submitted_at,
      submitted_at: r.submitted_at,
      timeliness: r.timeliness,
      revision: r.revision,
      tracking_code: r.tracking_code,
      return_reason: r.return_reason,
    })),
  });
}

async function getFiling(req: Request, res: Response, unit: UnitRow): Promise<void> {
  const period = String(req.params.period);
  if (!isPeriod(period)) return apiError(res, 400, 'bad_period', REFUSAL_MESSAGES.bad_period);
  const filing = await findFiling(unit.id, period);
  if (!filing) return apiError(res, 404, 'not_found', NOT_FOUND);
  const settings = await loadSettings();
  res.json(filingJson(filing, new Date(), settings.rules));
}

async function putFiling(req: Request, res: Response, unit: UnitRow): Promise<void> {
  const period = String(req.params.period);
  if (!isPeriod(period)) return apiError(res, 400, 'bad_period', REFUSAL_MESSAGES.bad_period);
  const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
  const fields: Record<string, { code: string; message: string }> = {};
  if (typeof body.submit !== 'boolean') fields.submit = { code: body.submit === undefined ? 'required' : 'invalid', message: 'submit باید true یا false باشد.' };
  if (body.confirm_warnings !== undefined && typeof body.confirm_warnings !== 'boolean') fields.confirm_warnings = { code: 'invalid', message: 'confirm_warnings باید true یا false باشد.' };
  const base = body.base_revision;
  if (base !== undefined && !(Number.isInteger(base) && (base as number) >= 0)) fields.base_revision = { code: 'invalid', message: 'base_revision باید عدد صحیح نامنفی باشد.' };
  const submit = body.submit === true;
  const parsed = parseFiling(submit ? 'submit' : 'draft', body);
  if (!parsed.ok) Object.assign(fields, errorsWithCodes(body, parsed.errors));
  if (Object.keys(fields).length || !parsed.ok) {
    return apiError(res, 422, 'validation', 'برخی مقادیر نادرست یا ناقص است.', fields);
  }
  const settings = await loadSettings();
  const out = await saveFiling({
    unitId: unit.id,
    period,
    userId: currentUser(req).id,
    via: 'api',
    input: parsed.data,
    submit,
    confirmWarnings: body.confirm_warnings === true,
    baseRevision: base as number | undefined,
    settings,
  });
  if (out.ok) {
    res.json(filingJson(out.filing, new Date(), settings.rules));
    return;
  }
  switch (out.code) {
    case 'validation':
      return apiError(res, 422, 'validation', out.message, Object.fromEntries(Object.entries(out.errors).map(([k, m]) => [k, { code: k === 'lines' ? 'missing_products' : k === '_form' ? 'validation_rule' : 'duplicate', message: m }])));
    case 'warnings_unconfirmed':
      res.status(422).json({ error: { code: out.code, message: `${out.message} برای ارسال با وجود هشدارها، confirm_warnings: true بفرستید.`, warnings: out.warnings } });
      return;
    case 'unknown_product':
      return apiError(res, 404, 'product_not_found', out.message);
    case 'stale_revision':
      res.status(409).json({ error: { code: out.code, message: out.message, current_revision: out.current_revision } });
      return;
    case 'locked':
    case 'already_submitted':
      return apiError(res, 409, out.code, out.message);
    default:
      return apiError(res, 400, out.code, out.message);
  }
}

export function filingsApiRouter(): Router {
  const router = Router();
  const unitOnly = apiRole('unit_user');
  router.get('/unit', unitOnly, withUnit(getUnit));
  router.get('/filings', unitOnly, withUnit(listFilings));
  router.get('/filings/:period', unitOnly, withUnit(getFiling));
  router.put('/filings/:period', unitOnly, withUnit(putFiling));
  return router;
}
