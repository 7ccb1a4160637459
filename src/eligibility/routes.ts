import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { requireRole, officerProvince, currentUser, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { parseForm, text, FormError, formView } from '../forms.ts';
import { loadSettings } from '../settings.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { pageNumber, pageLink, searchText } from '../paging.ts';
import { auditFrom } from '../audit.ts';
import { standings, findProvinceUnits, findUnit, priorityPage } from './model.ts';
import { actingUnit } from '../acting-unit.ts';
import { qrSvg } from '../qr.ts';
import { issueCertificate, findOwnCertificate, checkCertificate, normalizeCode, groupedCode, verifyUrl } from './certificates.ts';
import { facilityView, isFacilityType, FACILITY_TYPES, FACILITY_LABELS } from './facilities.ts';

// DESIGN §4 service eligibility, §9 facilities. The public certificate check is the
// only page here without sign-in, and it shows no figure.

const officer = requireRole('province_officer');
const unitUser = requireRole('unit_user');
const lookupForm = z.object({ q: text('شناسه ملی یا شماره پروانه', 40) });
const LOOKUP_TITLE = 'استعلام شرایط دریافت خدمات';
const lookupView = formView('eligibility/lookup', () => ({ title: LOOKUP_TITLE, results: null }));
const checkView = formView('eligibility/verify-form', (_req, _res, err) => ({ title: err.options.status === 404 ? 'گواهی یافت نشد' : 'بررسی اعتبار گواهی' }));

export function eligibilityRouter(): Router {
  const router = Router();
  router.get('/province/eligibility', officer, lookupView, lookup);
  // Heavy: the whole province is ranked (in SQL) for each page (issue 23: 8.9 MB at national size before paging).
  router.get('/province/priority', officer, heavy(priority));
  router.get('/province/units/:id/facility', officer, facility);
  router.get('/certificate', unitUser, certificatePage);
  router.post('/certificate', unitUser, certificateIssue);
  router.get('/certificate/:code', unitUser, certificatePrint);
  router.get('/verify', checkView, publicCheckForm);
  router.get('/verify/:code', checkView, publicCheck);
  return router;
}

async function lookup(req: Request, res: Response) {
  const province = officerProvince(req);
  const asked = typeof req.query.q === 'string';
  const values = { q: asked ? String(req.query.q).slice(0, 40) : '' };
  if (!asked) return res.render('eligibility/lookup', { title: LOOKUP_TITLE, values, errors: {}, results: null });
  const parsed = parseForm(lookupForm, req.query);
  if (!parsed.ok) throw new FormError(parsed.errors, { values });
  const settings = await loadSettings();
  const units = await findProvinceUnits(province, parsed.data.q);
  const results = await standings(units, new Date(), settings.rules);
  for (const s of results) {
    await auditFrom(req, { action: 'eligibility.check', unitId: s.unit.id, provinceCode: province, target: `unit:${s.unit.id}` });
  }
  res.render('eligibility/lookup', { title: LOOKUP_TITLE, values, errors: {}, results });
}

export const PRIORITY_PAGE_SIZE = 100;

/** The province's ranking (a rank over every unit, computed in SQL), a page at a time, searchable by name or national id. */
async function priority(req: Request, res: Response) {
  const settings = await loadSettings();
  const q = searchText(req.query.q);
  const shown = await withStatementTimeout((k) => priorityPage(officerProvince(req), new Date(), settings.rules, { q, page: pageNumber(req.query.page), size: PRIORITY_PAGE_SIZE }, k));
  res.render('eligibility/priority', { title: 'فهرست اولویت خدمات', ...shown, q, pageHref: pageLink('/province/priority', { q }) });
}

async function facility(req: Request, res: Response) {
  const province = officerProvince(req);
  const unit = await findUnit(Number(req.params.id), { province });
  if (!unit) throw new NotFoundError();
  const type = isFacilityType(req.query.type) ? req.query.type : 'renovation';
  const view = await facilityView(unit, type, new Date(), await loadSettings());
  await auditFrom(req, { action: 'facility.view', unitId: unit.id, provinceCode: province, target: `unit:${unit.id}`, details: { type } });
  res.render('eligibility/facility', { title: `سقف تسهیلات ${unit.name}`, unit, view, FACILITY_TYPES, FACILITY_LABELS });
}

async function certificatePage(req: Request, res: Response) {
  // A unit whose registration is not yet approved has no record to certify.
  const unit = actingUnit(req, { approvedOnly: true });
  if (!unit) return res.redirect(303, '/my-units');
  const [standing] = await standings([unit], new Date(), (await loadSettings()).rules);
  res.render('eligibility/certificate', { title: 'گواهی وضعیت آماری', standing });
}

async function certificateIssue(req: Request, res: Response) {
  const unit = actingUnit(req, { approvedOnly: true });
  if (!unit) throw new NotFoundError();
  const [standing] = await standings([unit], new Date(), (await loadSettings()).rules);
  const cert = await issueCertificate(standing, currentUser(req).id);
  flash(req, 'success', 'گواهی صادر شد. می‌توانید آن را چاپ کنید.');
  res.redirect(303, `/certificate/${cert.code}`);
}

async function certificatePrint(req: Request, res: Response) {
  const code = normalizeCode(String(req.params.code));
  const cert = code ? await findOwnCertificate(code, currentUser(req).unit_ids) : undefined;
  if (!cert) throw new NotFoundError();
  const unit = await findUnit(cert.unit_id, { unitIds: currentUser(req).unit_ids });
  if (!unit) throw new NotFoundError();
  const url = verifyUrl(cert.code);
  res.render('eligibility/certificate-print', { title: 'گواهی وضعیت آماری', cert, unit, grouped: groupedCode(cert.code), url, qr: await qrSvg(url) });
}

function publicCheckForm(req: Request, res: Response) {
  if (typeof req.query.code === 'string' && req.query.code.trim() !== '') {
    const code = normalizeCode(req.query.code);
    if (code) return res.redirect(303, `/verify/${code}`);
    throw new FormError({ code: 'کد گواهی ۱۶ نویسه لاتین است (حروف A تا Z و ارقام ۲ تا ۷).' }, { values: { code: req.query.code.slice(0, 40) } });
  }
  res.render('eligibility/verify-form', { title: 'بررسی اعتبار گواهی', values: {}, errors: {} });
}

async function publicCheck(req: Request, res: Response) {
  const code = normalizeCode(String(req.params.code));
  const check = code ? await checkCertificate(code) : undefined;
  if (!check) {
    throw new FormError({ code: 'گواهی‌ای با این کد یافت نشد.' }, { status: 404, values: { code: String(req.params.code).slice(0, 40) } });
  }
  res.render('eligibility/verify', { title: 'بررسی اعتبار گواهی', check, grouped: groupedCode(check.code) });
}
