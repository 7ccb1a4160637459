import { Router, type Request, type Response, type NextFunction } from 'express';
import { rateLimit } from 'express-rate-limit';
import { requireRole, currentUser, officerProvince, flash, NotFoundError } from '../auth/guards.ts';
import { hashPassword } from '../auth/passwords.ts';
import { FormError, parseForm, idParam, type FieldErrors } from '../forms.ts';
import { loadSettings } from '../settings.ts';
import { periodLabel, jalaliDateText } from '../views.ts';
import { gregorianIsoToJalali } from '../calendar.ts';
import { mailConfigured } from '../mail.ts';
import { parseRegistration, typedValues, productRowsOf, rejectionForm, EMPTY_PRODUCT_ROWS, MAX_PRODUCTS, type ProductRowValues } from './forms.ts';
import { registerUnit, unitsOfUser, listProvinces, isicDivisions } from './model.ts';
import { pendingRegistrations, registrationDetail, decideRegistration, pendingActivations, reissueActivation, recentlyLinkedAccounts } from './approvals.ts';

/** Registrations from one address per hour, by default: each makes a legal entity, a unit and an account. */
export const REGISTRATIONS_PER_HOUR = 30;

export function unitsRouter(opts: { registerLimit?: number } = {}): Router {
  const router = Router();
  // Only registrations that went through count (the 303 to «my units»): a form sent back with
  // errors, or for more product rows, does not use up the address's allowance.
  const registrationLimiter = rateLimit({
    windowMs: 60 * 60_000,
    limit: opts.registerLimit ?? REGISTRATIONS_PER_HOUR,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skipFailedRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode === 303,
    handler: (req: Request, res: Response, next: NextFunction) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      renderRegistrationForm(res, 429, typedValues(body), productRowsOf(body), {
        _form: 'از این نشانی اینترنتی در یک ساعت گذشته واحدهای زیادی ثبت‌نام شده است. اطلاعات شما در فرم مانده است؛ کمی بعد دوباره بفرستید.',
      }).catch(next);
    },
  });
  router.get('/register', showRegistrationForm);
  router.post('/register', registrationLimiter, register);
  router.get('/my-units', ...requireRole('unit_user'), showMyUnits);
  router.get('/province/registrations', ...requireRole('province_officer'), listRegistrations);
  router.get('/province/registrations/:id', ...requireRole('province_officer'), showRegistration);
  router.post('/province/registrations/:id/approval', ...requireRole('province_officer'), approve);
  router.post('/province/registrations/:id/rejection', ...requireRole('province_officer'), reject);
  router.post('/province/unit-accounts/:id/activation-link', ...requireRole('province_officer'), issueActivationLink);
  return router;
}

/** A `date` column read as ISO text → ۱۴۰۴/۰۲/۱۵ */
const licenceDate = (iso: string) => jalaliDateText(gregorianIsoToJalali(iso));

async function renderRegistrationForm(res: Response, status: number, values: Record<string, string>, rows: ProductRowValues[], errors: FieldErrors): Promise<void> {
  const blank = { name: '', unit_of_measure: '', annual_capacity: '', product_code: '' };
  const padded = [...rows];
  while (padded.length < EMPTY_PRODUCT_ROWS) padded.push({ ...blank });
  res.status(status).render('units/register', {
    title: 'ثبت‌نام واحد صنعتی یا معدنی',
    values, errors, rows: padded.slice(0, MAX_PRODUCTS), maxProducts: MAX_PRODUCTS,
    provinces: await listProvinces(), divisions: await isicDivisions(),
  });
}

async function showRegistrationForm(_req: Request, res: Response) {
  await renderRegistrationForm(res, 200, { kind: 'industrial' }, [], {});
}

async function register(req: Request, res: Response) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const values = typedValues(body);
  const rows = productRowsOf(body);
  // "More rows" without JavaScript: the form comes back with five more empty product rows.
  if (body.more_rows) {
    const blank = { name: '', unit_of_measure: '', annual_capacity: '', product_code: '' };
    const shown = Math.min(MAX_PRODUCTS, Math.max(rows.length, EMPTY_PRODUCT_ROWS) + EMPTY_PRODUCT_ROWS);
    const more = [...rows, ...Array.from({ length: shown - rows.length }, () => ({ ...blank }))];
    return renderRegistrationForm(res, 200, values, more, {});
  }
  const parsed = parseRegistration(body);
  if (!parsed.ok) return renderRegistrationForm(res, 422, values, rows, parsed.errors);
  const settings = await loadSettings();
  let outcome;
  try {
    outcome = await registerUnit(parsed.data, await hashPassword(parsed.data.password), settings.obligation);
  } catch (e) {
    if (e instanceof FormError) return renderRegistrationForm(res, 422, values, rows, e.errors);
    throw e;
  }
  const message = outcome.linked
    ? `این واحد پیش‌تر در فهرست پروانه‌های وزارت ثبت و تأیید شده بود؛ حساب شما به همان واحد پیوند خورد و واحد تازه‌ای ساخته نشد. نخستین دوره‌ای که باید آمار آن را ثبت کنید: ${periodLabel(outcome.obligationStart)}.`
    : `ثبت‌نام واحد انجام شد و در انتظار تأیید سازمان صنعت، معدن و تجارت استان ${outcome.provinceName} است. نخستین دوره‌ای که باید آمار آن را ثبت کنید: ${periodLabel(outcome.obligationStart)}.`;
  // Sign the new owner in on a fresh session id.
  req.session.regenerate((err) => {
    if (err) return res.status(500).render('error', { title: 'خطا', message: 'ثبت‌نام انجام شد اما ورود خودکار نشد. با پست الکترونیکی و گذرواژه خود وارد شوید.' });
    req.session.userId = outcome.userId;
    flash(req, 'success', message);
    req.session.save(() => res.redirect(303, `/my-units#unit-${outcome.unitId}`));
  });
}

async function showMyUnits(req: Request, res: Response) {
  const units = await unitsOfUser(currentUser(req).id);
  res.render('units/my-units', { title: 'واحدهای من', units, licenceDate });
}

async function listRegistrations(req: Request, res: Response) {
  const province = officerProvince(req);
  res.render('units/registrations', {
    title: 'ثبت‌نام‌های در انتظار تأیید',
    pending: await pendingRegistrations(province),
    activations: await pendingActivations(province),
    linked: await recentlyLinkedAccounts(province),
    mailConfigured: mailConfigured(),
  });
}

async function renderRegistration(req: Request, res: Response, status: number, values: Record<string, string>, errors: FieldErrors) {
  const unit = await registrationDetail(idParam(req), officerProvince(req));
  if (!unit) throw new NotFoundError();
  res.status(status).render('units/registration', { title: `ثبت‌نام ${unit.entity_name}`, unit, values, errors, licenceDate });
}

async function showRegistration(req: Request, res: Response) {
  await renderRegistration(req, res, 200, {}, {});
}

async function approve(req: Request, res: Response) {
  const id = idParam(req);
  const result = await decideRegistration(id, officerProvince(req), { kind: 'approved' }, { id: currentUser(req).id, ip: req.ip });
  if (result === 'not_found') throw new NotFoundError();
  flash(req, result === 'done' ? 'success' : 'warning', result === 'done' ? 'ثبت‌نام واحد تأیید شد.' : 'درباره این ثبت‌نام پیش‌تر تصمیم گرفته شده است.');
  res.redirect(303, result === 'done' ? '/province/registrations' : `/province/registrations/${id}`);
}

async function reject(req: Request, res: Response) {
  const id = idParam(req);
  const province = officerProvince(req);
  const parsed = parseForm(rejectionForm, req.body);
  if (!parsed.ok) {
    // Already decided: the page no longer has the form its error would sit next to — say so instead.
    const current = await registrationDetail(id, province);
    if (current && current.registration !== 'pending') {
      flash(req, 'warning', 'درباره این ثبت‌نام پیش‌تر تصمیم گرفته شده است.');
      return res.redirect(303, `/province/registrations/${id}`);
    }
    const typed = typeof req.body?.reason === 'string' ? req.body.reason.slice(0, 2000) : '';
    return renderRegistration(req, res, 422, { reason: typed }, parsed.errors);
  }
  const result = await decideRegistration(id, province, { kind: 'rejected', reason: parsed.data.reason }, { id: currentUser(req).id, ip: req.ip });
  if (result === 'not_found') throw new NotFoundError();
  flash(req, result === 'done' ? 'success' : 'warning', result === 'done' ? 'ثبت‌نام واحد رد شد؛ دلیل آن به واحد نشان داده می‌شود.' : 'درباره این ثبت‌نام پیش‌تر تصمیم گرفته شده است.');
  res.redirect(303, result === 'done' ? '/province/registrations' : `/province/registrations/${id}`);
}

async function issueActivationLink(req: Request, res: Response) {
  const issued = await reissueActivation(idParam(req), officerProvince(req), { id: currentUser(req).id, ip: req.ip });
  if (!issued) throw new NotFoundError();
  flash(req, 'success', issued.mailed
    ? `پیوند فعال‌سازی تازه به ${issued.email} فرستاده شد.`
    : `پیوند فعال‌سازی تازه برای ${issued.email} ساخته شد؛ آن را از فهرست زیر به مالک واحد بدهید.`);
  res.redirect(303, '/province/registrations#activations');
}
