import { Router, type Request, type Response, type NextFunction } from 'express';
import { requireRole, currentUser, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { FILING_STATE_LABELS as STATE_LABELS, TIMELINESS_LABELS } from '../glossary.ts';
import { loadSettings } from '../settings.ts';
import { db } from '../db.ts';
import { currentFilingPeriod, deadlineOf, isPeriod, type Period, periodLabel } from '../calendar.ts';
import { filingRecordsQuery, filingRecordOf } from '../eligibility/record.ts';
import { persianDigits } from '../text.ts';
import { fa } from '../numbers.ts';
import { FormError, formView, idParam, str, type FieldErrors } from '../forms.ts';
import { parseFiling, linesFromBody } from './forms.ts';
import {
  productsOf, findFiling, saveFiling, refusalFor, revisionsOf, reviewsOf, unitPeriods, unitFilingsQuery, periodRowsOf, timelinessOf, warningKey,
  REFUSAL_MESSAGES, type ProductRow, type Filing, type PeriodRow,
} from './model.ts';
import type { Warning } from './warnings.ts';
import { historyTable, toCsv, toXlsx } from './export.ts';
import { sendDownload, CSV_TYPE, XLSX_TYPE } from '../export.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { actingUnit } from '../acting-unit.ts';
import { isApproved, type UnitRow } from '../units/row.ts';

// The unit user's side of filing: dashboard, periods, the form, receipt and revision history.
// Every query is scoped by the unit chosen from the user's own units (unitScope).

/** "۳ روز و ۵ ساعت مانده" until `deadline`; "مهلت گذشته است" after it. */
export function countdownText(deadline: Date, at: Date): string {
  const ms = deadline.getTime() - at.getTime();
  if (ms <= 0) return 'مهلت گذشته است';
  const minutes = Math.floor(ms / 60_000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${persianDigits(days)} روز و ${persianDigits(hours)} ساعت مانده` : `${persianDigits(days)} روز مانده`;
  if (hours > 0) return `${persianDigits(hours)} ساعت و ${persianDigits(mins)} دقیقه مانده`;
  return `${persianDigits(Math.max(mins, 1))} دقیقه مانده`;
}

/** Picks the unit the user acts for; a user with no approved unit is sent to their registrations. */
function unitScope(req: Request, res: Response, next: NextFunction): void {
  const unit = actingUnit(req, { approvedOnly: true });
  if (!unit) return res.redirect(303, '/my-units');
  res.locals.unit = unit;
  res.locals.units = currentUser(req).units.filter(isApproved);
  next();
}

const unitOf = (res: Response): UnitRow => res.locals.unit as UnitRow;

function periodParam(req: Request): Period {
  const p = String(req.params.period);
  if (!isPeriod(p)) throw new NotFoundError();
  return p;
}

const TOP = ['employees', 'production_value', 'intermediate_consumption'] as const;

/** Stored figures as the form shows them: Persian digits with separators (the form accepts them back). */
function valuesFromFiling(filing: Filing | undefined, products: ProductRow[]): Record<string, string> {
  const v: Record<string, string> = {};
  const show = (n: number | null | undefined) => (n === null || n === undefined ? '' : fa(n));
  for (const f of TOP) v[f] = show(filing?.[f]);
  const byId = new Map((filing?.lines ?? []).map((l) => [l.product_id, l]));
  products.forEach((p, i) => {
    const l = byId.get(p.id);
    v[`lines.${i}.produced`] = show(l?.produced);
    v[`lines.${i}.sold`] = show(l?.sold);
    v[`lines.${i}.sales_value`] = show(l?.sales_value);
  });
  return v;
}

/** What the user typed, keyed like the field errors (`lines.0.produced`), to re-render it untouched. */
function valuesFromBody(body: Record<string, unknown>, products: ProductRow[]): Record<string, string> {
  const v: Record<string, string> = {};
  const s = (x: unknown) => str(x, 40);
  for (const f of TOP) v[f] = s(body[f]);
  const lines = linesFromBody(body.lines) as Record<string, unknown>[];
  products.forEach((p, i) => {
    const l = lines.find((x) => x && Number(x.product_id) === p.id) ?? {};
    v[`lines.${i}.produced`] = s(l.produced);
    v[`lines.${i}.sold`] = s(l.sold);
    v[`lines.${i}.sales_value`] = s(l.sales_value);
  });
  return v;
}

interface FormState {
  values: Record<string, string>;
  errors: FieldErrors;
  warnings: Warning[];
  message?: string;
  baseRevision?: number;
  askConfirm?: boolean;
}

/** The filing form of the period in the path, with what a failed save shows (`state`). */
async function formPage(req: Request, res: Response, state: Partial<FormState> = {}): Promise<Record<string, unknown>> {
  const period = periodParam(req);
  const unit = unitOf(res);
  const settings = await loadSettings();
  const products = await productsOf(unit.id);
  const filing = await findFiling(unit.id, period);
  const reviews = filing ? await reviewsOf(filing.id) : [];
  const warnings = state.warnings ?? filing?.warnings ?? [];
  return {
    title: `اظهارنامه آمار تولید`,
    period,
    unit,
    products,
    filing,
    reviews,
    deadline: deadlineOf(period, settings.rules),
    // A first submission after the deadline counts as late (DESIGN §4); the form says so first.
    willBeLate: !filing?.first_submitted_at && deadlineOf(period, settings.rules) < new Date(),
    values: state.values ?? valuesFromFiling(filing, products),
    errors: state.errors ?? {},
    warnings,
    warningsSeen: warnings.map(warningKey).join(','),
    askConfirm: state.askConfirm ?? false,
    message: state.message,
    baseRevision: state.baseRevision ?? filing?.revision ?? 0,
  };
}

const filingFormView = formView('filings/form', (req, res, err) =>
  formPage(req, res, { ...err.options.locals, values: err.options.values as Record<string, string>, errors: err.errors, message: err.options.message }));

function renderRefusal(res: Response, status: number, message: string): void {
  res.status(status).render('error', { title: 'ثبت این دوره ممکن نیست', message });
}

async function showForm(req: Request, res: Response): Promise<void> {
  const period = periodParam(req);
  const refusal = refusalFor(unitOf(res), period, new Date());
  if (refusal) return renderRefusal(res, 400, REFUSAL_MESSAGES[refusal]);
  res.render('filings/form', await formPage(req, res));
}

async function saveForm(req: Request, res: Response): Promise<void> {
  const period = periodParam(req);
  const unit = unitOf(res);
  const body = (req.body ?? {}) as Record<string, unknown>;
  const submit = body.action === 'submit';
  const products = await productsOf(unit.id);
  const typed = valuesFromBody(body, products);
  const base = Number(body.base_revision);
  const baseRevision = Number.isInteger(base) && base >= 0 ? base : undefined;
  // A refused save shows the form again with everything typed, and why.
  const refused = (status: number, errors: FieldErrors, message: string, state: Partial<FormState> = {}) =>
    new FormError(errors, { status, message, values: typed, locals: { warnings: [], baseRevision, ...state } });
  const parsed = parseFiling(submit ? 'submit' : 'draft', body);
  if (!parsed.ok) throw refused(422, parsed.errors, 'برخی مقادیر نادرست یا ناقص است؛ خطاها کنار هر خانه آمده است.');
  const out = await saveFiling({
    unitId: unit.id,
    period,
    userId: currentUser(req).id,
    via: 'form',
    input: parsed.data,
    submit,
    confirmWarnings: body.confirm_warnings === '1' || body.confirm_warnings === 'on',
    seenWarnings: typeof body.warnings_seen === 'string' ? body.warnings_seen.split(',').filter(Boolean) : [],
    baseRevision,
  });
  if (!out.ok) {
    switch (out.code) {
      case 'validation':
        throw refused(422, out.errors, out.message);
      case 'warnings_unconfirmed':
        throw refused(422, {}, out.message, { warnings: out.warnings, askConfirm: true });
      case 'stale_revision':
        throw refused(409, {}, out.message, { baseRevision: out.current_revision });
      case 'locked':
      case 'already_submitted':
        throw refused(409, {}, out.message);
      case 'unknown_product':
        throw refused(422, {}, out.message);
      default:
        return renderRefusal(res, 400, out.message);
    }
  }
  if (!out.submitted) {
    flash(req, out.warnings.length ? 'warning' : 'success', out.warnings.length ? 'پیش‌نویس ذخیره شد. پیش از ارسال، هشدارهای زیر را بررسی کنید.' : 'پیش‌نویس ذخیره شد. برای ثبت نهایی، «ارسال» را بزنید.');
    return res.redirect(303, `/filings/${period}`);
  }
  flash(req, 'success', out.unchanged ? 'تغییری نسبت به نسخه پیشین نبود؛ اظهارنامه همان است که بود.' : 'اظهارنامه ثبت شد.');
  res.redirect(303, `/filings/${period}/receipt`);
}

async function showReceipt(req: Request, res: Response): Promise<void> {
  const period = periodParam(req);
  const unit = unitOf(res);
  const filing = await findFiling(unit.id, period);
  if (!filing || !filing.first_submitted_at) throw new NotFoundError();
  const settings = await loadSettings();
  res.render('filings/receipt', {
    title: 'رسید ثبت اظهارنامه',
    unit,
    period,
    filing,
    products: await productsOf(unit.id),
    deadline: deadlineOf(period, settings.rules),
    timeliness: timelinessOf(period, filing.first_submitted_at, new Date(), settings.rules),
    TIMELINESS_LABELS,
    STATE_LABELS,
  });
}

async function showRevisions(req: Request, res: Response): Promise<void> {
  const period = periodParam(req);
  const unit = unitOf(res);
  const filing = await findFiling(unit.id, period);
  if (!filing) throw new NotFoundError();
  const products = await productsOf(unit.id);
  const names = new Map(products.map((p) => [p.id, p.name]));
  res.render('filings/revisions', {
    title: 'تاریخچه نسخه‌ها',
    unit,
    period,
    filing,
    revisions: await revisionsOf(filing.id),
    reviews: await reviewsOf(filing.id),
    fieldLabel: (field: string) => fieldLabel(field, names),
  });
}

const FIELD_LABELS: Record<string, string> = {
  employees: 'شمار کارکنان',
  production_value: 'ارزش تولید (ریال)',
  intermediate_consumption: 'مصرف واسطه (ریال)',
  produced: 'مقدار تولید',
  sold: 'مقدار فروش',
  sales_value: 'ارزش فروش (ریال)',
};

export function fieldLabel(field: string, productNames: Map<number, string>): string {
  const m = /^lines\.(\d+)\.(\w+)$/.exec(field);
  if (!m) return FIELD_LABELS[field] ?? field;
  return `${FIELD_LABELS[m[2]] ?? m[2]} «${productNames.get(Number(m[1])) ?? 'محصول'}»`;
}

async function listFilings(_req: Request, res: Response): Promise<void> {
  const unit = unitOf(res);
  const settings = await loadSettings();
  res.render('filings/index', {
    title: 'اظهارنامه‌ها',
    unit,
    rows: await unitPeriods(unit, new Date(), settings.rules),
    STATE_LABELS,
    TIMELINESS_LABELS,
  });
}

export interface NextAction { kind: 'returned' | 'current' | 'missing'; text: string; periods: Period[] }

/** What the unit must do, in order: correct returned filings, file this month's, then the missing months. */
export function nextActions(rows: PeriodRow[], current: Period, countdown: string): NextAction[] {
  const actions: NextAction[] = [];
  const returned = rows.filter((r) => r.state === 'returned');
  if (returned.length) actions.push({ kind: 'returned', text: `${persianDigits(returned.length)} اظهارنامه عودت شده — اصلاح کنید`, periods: returned.map((r) => r.period) });
  const now = rows.find((r) => r.period === current);
  if (now && (now.state === 'missing' || now.state === 'draft')) actions.push({ kind: 'current', text: `آمار ${periodLabel(current)} را ثبت کنید — ${countdown}`, periods: [current] });
  const missing = rows.filter((r) => r.timeliness === 'missing' && r.period !== current);
  if (missing.length) actions.push({ kind: 'missing', text: `${persianDigits(missing.length)} ماه ثبت‌نشده — هرچه زودتر ثبت کنید`, periods: missing.map((r) => r.period) });
  return actions;
}

async function showDashboard(req: Request, res: Response): Promise<void> {
  const unit = unitOf(res);
  const settings = await loadSettings();
  const now = new Date();
  const current = currentFilingPeriod(now, settings.rules);
  const deadline = deadlineOf(current, settings.rules);
  // The unit's periods, its record (from its own obligation start) and its open reminders in one
  // statement: the dashboard is the page every unit opens during the rush.
  const parts = [
    unitFilingsQuery(unit, now).toSQL(),
    filingRecordsQuery({ at: now, rules: settings.rules, unitIds: [unit.id], from: unit.obligation_start }).toSQL(),
    db()('reminders').where({ unit_id: unit.id }).whereNull('dismissed_at').orderBy('period', 'desc').select('id', 'period', 'deadline').toSQL(),
  ];
  const { rows: [page] } = await db().raw(
    `select (select coalesce(json_agg(f), '[]') from (${parts[0].sql}) f) as filings,
            (select coalesce(json_agg(r), '[]') from (${parts[1].sql}) r) as records,
            (select coalesce(json_agg(m), '[]') from (${parts[2].sql}) m) as reminders`,
    parts.flatMap((x) => x.bindings),
  ) as { rows: { filings: Record<string, unknown>[]; records: Record<string, unknown>[]; reminders: { id: number; period: Period; deadline: string }[] }[] };
  const rows = periodRowsOf(unit, now, settings.rules, page.filings);
  const record = page.records.map(filingRecordOf)[0];
  const reminders = page.reminders.map((r) => ({ ...r, deadline: new Date(r.deadline) }));
  res.render('filings/dashboard', {
    title: 'کارتابل واحد',
    unit,
    units: res.locals.units,
    current,
    deadline,
    countdown: countdownText(deadline, now),
    currentRow: rows.find((r) => r.period === current),
    // Newest first, as periodRowsOf gives them.
    rows,
    actions: nextActions(rows, current, countdownText(deadline, now)),
    record,
    reminders,
    STATE_LABELS,
    TIMELINESS_LABELS,
    currentUnitId: req.session.currentUnitId,
  });
}

async function dismissReminder(req: Request, res: Response): Promise<void> {
  // Scoped by the unit in the query: another unit's reminder id matches nothing → 404.
  const n = await db()('reminders').where({ id: idParam(req), unit_id: unitOf(res).id }).whereNull('dismissed_at').update({ dismissed_at: new Date() });
  if (n !== 1) throw new NotFoundError();
  res.redirect(303, '/dashboard');
}

async function chooseUnit(req: Request, res: Response): Promise<void> {
  const id = Number(req.body?.unit_id);
  const units = (res.locals.units as UnitRow[]);
  if (!units.some((u) => u.id === id)) throw new NotFoundError();
  req.session.currentUnitId = id;
  res.redirect(303, '/dashboard');
}

async function downloadHistory(format: 'csv' | 'xlsx', res: Response): Promise<void> {
  const unit = unitOf(res);
  const settings = await loadSettings();
  const table = await withStatementTimeout((k) => historyTable(unit, new Date(), settings.rules, k));
  const name = `history-${unit.id}`;
  if (format === 'csv') return sendDownload(res, toCsv(table), CSV_TYPE, `${name}.csv`);
  sendDownload(res, await toXlsx(table), XLSX_TYPE, `${name}.xlsx`);
}

export function filingsRouter(): Router {
  const router = Router();
  const unitUser = [...requireRole('unit_user'), unitScope];
  router.get('/dashboard', unitUser, showDashboard);
  router.get('/dashboard/history.csv', unitUser, heavy((_req: Request, res: Response) => downloadHistory('csv', res)));
  router.get('/dashboard/history.xlsx', unitUser, heavy((_req: Request, res: Response) => downloadHistory('xlsx', res)));
  router.post('/current-unit', unitUser, chooseUnit);
  router.post('/dashboard/reminders/:id/dismissal', unitUser, dismissReminder);
  router.get('/filings', unitUser, listFilings);
  router.get('/filings/:period', unitUser, showForm);
  router.post('/filings/:period', unitUser, filingFormView, saveForm);
  router.get('/filings/:period/receipt', unitUser, showReceipt);
  router.get('/filings/:period/revisions', unitUser, showRevisions);
  return router;
}
