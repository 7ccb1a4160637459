import { Router, type Request, type Response, type NextFunction } from 'express';
import { rateLimit } from 'express-rate-limit';
import { requireRole, currentUser, officerProvince, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import { FormError, formView, parseForm, idParam, str, type FieldErrors } from '../forms.ts';
import { loadSettings } from '../settings.ts';
import { gregorianIsoToJalali, jalaliDateText } from '../calendar.ts';
import { mailConfigured, sendMail } from '../mail.ts';
import { latinDigits } from '../text.ts';
import { parseRegistration, typedValues, productRowsOf, rejectionForm, EMPTY_PRODUCT_ROWS, MAX_PRODUCTS, type ProductRowValues } from './forms.ts';
import { registerUnit, checkRegistration, unitsOfUser, listProvinces, isicDivisions } from './model.ts';
import { pendingClaims, claimDetail, decideClaim, claimsOfUser, claimNoticeText } from './claims.ts';
import { sendEmailProof } from '../auth/activation.ts';
import { weakPasswordReason } from '../auth/password-policy.ts';
import { findEntry, listUnitsOfMeasure } from '../catalogue/model.ts';
import { pendingRegistrations, registrationDetail, decideRegistration, pendingActivations, reissueActivation, recentlyLinkedAccounts, OTHER_PROVINCE_REFUSAL } from './approvals.ts';

/** Registrations from one address per hour, by default: each makes a legal entity, a unit and an account. */
export const REGISTRATIONS_PER_HOUR = 30;
/** Registration forms sent from one address per hour, refused or not. */
export const REGISTRATION_ATTEMPTS_PER_HOUR = 120;

export function unitsRouter(opts: { registerLimit?: number; registerAttemptLimit?: number } = {}): Router {
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
    handler: (req: Request, _res: Response, next: NextFunction) => {
      next(new FormError({ _form: 'از این نشانی اینترنتی در یک ساعت گذشته واحدهای زیادی ثبت‌نام شده است. اطلاعات شما در فرم مانده است؛ کمی بعد دوباره بفرستید.' }, { status: 429, values: typedValues((req.body ?? {}) as Record<string, unknown>) }));
    },
  });
  // Every attempt counts here, refused ones too (issue 12 §8): a form is cheap to refuse, not free.
  const attemptLimiter = rateLimit({
    windowMs: 60 * 60_000,
    limit: opts.registerAttemptLimit ?? REGISTRATION_ATTEMPTS_PER_HOUR,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req: Request, _res: Response, next: NextFunction) => {
      next(new FormError({ _form: 'از این نشانی اینترنتی در یک ساعت گذشته فرم ثبت‌نام بارها فرستاده شده است. اطلاعات شما در فرم مانده است؛ کمی بعد دوباره بفرستید.' }, { status: 429, values: typedValues((req.body ?? {}) as Record<string, unknown>) }));
    },
  });
  router.get('/register', showRegistrationForm);
  router.post('/register', registrationView, attemptLimiter, registrationLimiter, register);
  router.get('/register/sent', showRegistrationSent);
  router.get('/my-units', ...requireRole('unit_user'), showMyUnits);
  router.get('/province/registrations', ...requireRole('province_officer'), listRegistrations);
  router.get('/province/registrations/:id', ...requireRole('province_officer'), showRegistration);
  router.post('/province/registrations/:id/approval', ...requireRole('province_officer'), approve);
  router.post('/province/registrations/:id/rejection', ...requireRole('province_officer'), registrationDecisionView, reject);
  router.post('/province/unit-accounts/:id/activation-link', ...requireRole('province_officer'), issueActivationLink);
  router.get('/province/claims/:id', ...requireRole('province_officer'), showClaim);
  router.post('/province/claims/:id/approval', ...requireRole('province_officer'), approveClaim);
  router.post('/province/claims/:id/rejection', ...requireRole('province_officer'), claimView, rejectClaim);
  return router;
}

/** The catalogue entries of the codes typed into the form's rows (at most MAX_PRODUCTS). */
async function typedCodes(rows: ProductRowValues[]) {
  const codes = [...new Set(rows.map((r) => latinDigits(r.product_code).trim()).filter((c) => /^\d{4,10}$/.test(c)))];
  return codes.length ? (await Promise.all(codes.map((c) => findEntry(c)))).filter((e) => e !== undefined) : [];
}

/** A `date` column read as ISO text → ۱۴۰۴/۰۲/۱۵ */
const licenceDate = (iso: string) => jalaliDateText(gregorianIsoToJalali(iso));

/** The registration form's page with these product rows (padded to the empty rows it always offers). */
async function registrationFormPage(rows: ProductRowValues[]): Promise<Record<string, unknown>> {
  const blank = { name: '', unit_of_measure: '', annual_capacity: '', product_code: '' };
  const padded = [...rows];
  while (padded.length < EMPTY_PRODUCT_ROWS) padded.push({ ...blank });
  return {
    title: 'ثبت‌نام واحد صنعتی یا معدنی',
    values: {}, errors: {}, rows: padded.slice(0, MAX_PRODUCTS), maxProducts: MAX_PRODUCTS,
    provinces: await listProvinces(), divisions: await isicDivisions(),
    // Not the catalogue (60,000 codes): the codes already typed, so the form shows them back; the
    // picker asks /catalogue/search as the visitor types (issue 23 F12).
    catalogue: await typedCodes(rows), unitsOfMeasure: await listUnitsOfMeasure(),
  };
}

const registrationView = formView('units/register', (req) => registrationFormPage(productRowsOf((req.body ?? {}) as Record<string, unknown>)));

async function showRegistrationForm(_req: Request, res: Response) {
  res.render('units/register', { ...(await registrationFormPage([])), values: { kind: 'industrial' } });
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
    return res.render('units/register', { ...(await registrationFormPage(more)), values });
  }
  const refused = (errors: FieldErrors) => new FormError(errors, { values });
  const parsed = parseRegistration(body);
  if (!parsed.ok) throw refused(parsed.errors);
  const input = parsed.data;
  const weak = weakPasswordReason(input.password, input.email);
  if (weak) throw refused({ password: weak });
  // Everything that can refuse the form is checked before the argon2 hash (issue 12 §8).
  const pre = await checkRegistration(input);
  if (Object.keys(pre.errors).length) throw refused(pre.errors);
  if (pre.emailTaken) {
    // Not a word about it on the page (issue 12 §5): the owner of the address is told instead,
    // and the answer — and its time, a hash — is that of a registration.
    await hashPassword(input.password);
    await sendMail(input.email, 'تلاش برای ثبت‌نام با پست الکترونیکی شما', 'کسی کوشید با این پست الکترونیکی در سامانه آمار تولید صنعت و معدن ثبت‌نام کند، اما این نشانی پیش‌تر حساب دارد. '
      + 'اگر خودتان بودید، با همان حساب وارد شوید (یا از «گذرواژه را فراموش کرده‌ام» استفاده کنید). اگر شما نبودید، کاری لازم نیست.\n');
    return res.redirect(303, '/register/sent');
  }
  const settings = await loadSettings();
  let outcome;
  try {
    outcome = await registerUnit(input, await hashPassword(input.password), settings.obligation);
  } catch (e) {
    if (e instanceof FormError) {
      // A race lost on the email: answered like any taken address.
      if (e.errors.email && Object.keys(e.errors).length === 1) return res.redirect(303, '/register/sent');
      throw refused(e.errors);
    }
    throw e;
  }
  if (outcome.kind === 'claimed') {
    for (const to of outcome.notify) await sendMail(to, 'درخواست پیوند به واحد شما در سامانه آمار تولید', claimNoticeText(outcome.unitName, outcome.licenceNo, outcome.provinceName));
  }
  await sendEmailProof(outcome.userId, input.email);
  res.redirect(303, '/register/sent');
}

/** The same page after every registration that went through, and after one with a taken email. */
function showRegistrationSent(_req: Request, res: Response) {
  res.render('units/registration-sent', { title: 'ثبت‌نام دریافت شد', mail: mailConfigured() });
}

async function showMyUnits(req: Request, res: Response) {
  const units = await unitsOfUser(currentUser(req).id);
  res.render('units/my-units', { title: 'واحدهای من', units, claims: await claimsOfUser(currentUser(req).id), licenceDate });
}

async function listRegistrations(req: Request, res: Response) {
  const province = officerProvince(req);
  res.render('units/registrations', {
    title: 'ثبت‌نام‌های در انتظار تأیید',
    pending: await pendingRegistrations(province),
    claims: await pendingClaims(province),
    activations: await pendingActivations(province),
    linked: await recentlyLinkedAccounts(province),
    mailConfigured: mailConfigured(),
  });
}

async function registrationPage(req: Request): Promise<Record<string, unknown>> {
  const unit = await registrationDetail(idParam(req), officerProvince(req));
  if (!unit) throw new NotFoundError();
  return { title: `ثبت‌نام ${unit.entity_name}`, unit, values: {}, errors: {}, licenceDate };
}

const registrationDecisionView = formView('units/registration', registrationPage);

async function showRegistration(req: Request, res: Response) {
  res.render('units/registration', await registrationPage(req));
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
    throw new FormError(parsed.errors, { values: { reason: str(req.body?.reason, 2000) } });
  }
  const result = await decideRegistration(id, province, { kind: 'rejected', reason: parsed.data.reason }, { id: currentUser(req).id, ip: req.ip });
  if (result === 'not_found') throw new NotFoundError();
  flash(req, result === 'done' ? 'success' : 'warning', result === 'done' ? 'ثبت‌نام واحد رد شد؛ دلیل آن به واحد نشان داده می‌شود.' : 'درباره این ثبت‌نام پیش‌تر تصمیم گرفته شده است.');
  res.redirect(303, result === 'done' ? '/province/registrations' : `/province/registrations/${id}`);
}

async function issueActivationLink(req: Request, res: Response) {
  const issued = await reissueActivation(idParam(req), officerProvince(req), { id: currentUser(req).id, ip: req.ip });
  if (!issued) throw new NotFoundError();
  if (issued === 'other_province') {
    res.status(409).render('error', { title: 'پیوند ساخته نشد', message: OTHER_PROVINCE_REFUSAL });
    return;
  }
  if (issued.mailed) {
    flash(req, 'success', `پیوند تازه به ${issued.email} فرستاده شد.`);
    return res.redirect(303, '/province/registrations#activations');
  }
  // Shown once, in this answer only: the link is stored as a hash and never appears again.
  res.setHeader('Cache-Control', 'no-store');
  res.status(201).render('units/activation-link', { title: 'پیوند یک‌بار مصرف', issued });
}

function claimId(req: Request): number {
  return idParam(req);
}

async function claimPage(req: Request): Promise<Record<string, unknown>> {
  const claim = await claimDetail(claimId(req), officerProvince(req));
  if (!claim) throw new NotFoundError();
  return { title: `درخواست پیوند به ${claim.unit.entity_name}`, claim, values: {}, errors: {}, licenceDate };
}

const claimView = formView('units/claim', claimPage);

async function showClaim(req: Request, res: Response) {
  res.render('units/claim', await claimPage(req));
}

const CLAIM_MESSAGES = {
  done: 'تصمیم درباره درخواست ثبت شد و به درخواست‌کننده خبر داده شد.',
  already_decided: 'درباره این درخواست پیش‌تر تصمیم گرفته شده است.',
  email_unproven: 'پست الکترونیکی درخواست‌کننده هنوز تأیید نشده است؛ نخست پیوند تأیید را برایش بفرستید.',
} as const;

async function approveClaim(req: Request, res: Response) {
  const id = claimId(req);
  const result = await decideClaim(id, officerProvince(req), { kind: 'approved' }, { id: currentUser(req).id, ip: req.ip });
  if (result === 'not_found') throw new NotFoundError();
  flash(req, result === 'done' ? 'success' : 'warning', CLAIM_MESSAGES[result]);
  res.redirect(303, result === 'done' ? '/province/registrations' : `/province/claims/${id}`);
}

async function rejectClaim(req: Request, res: Response) {
  const id = claimId(req);
  const parsed = parseForm(rejectionForm, req.body);
  if (!parsed.ok) throw new FormError(parsed.errors, { values: { reason: str(req.body?.reason, 2000) } });
  const result = await decideClaim(id, officerProvince(req), { kind: 'rejected', reason: parsed.data.reason }, { id: currentUser(req).id, ip: req.ip });
  if (result === 'not_found') throw new NotFoundError();
  flash(req, result === 'done' ? 'success' : 'warning', CLAIM_MESSAGES[result]);
  res.redirect(303, result === 'done' ? '/province/registrations' : `/province/claims/${id}`);
}
