import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { requireRole, officerProvince, currentUser, NotFoundError, flash } from '../auth/guards.ts';
import { parseForm, text } from '../forms.ts';
import { loadSettings } from '../settings.ts';
import { auditFrom } from '../audit.ts';
import { standings, findProvinceUnits, findUnit, currentUnitOf, firstApprovedUnit, priorityList } from './model.ts';
import { qrSvg } from '../qr.ts';
import { issueCertificate, findOwnCertificate, checkCertificate, normalizeCode, groupedCode, verifyUrl } from './certificates.ts';
import { facilityView, isFacilityType, FACILITY_TYPES, FACILITY_LABELS } from './facilities.ts';
import { recentJobRuns } from '../jobs/nightly.ts';

// DESIGN §4 service eligibility, §9 facilities, §11 job runs. The public certificate check is the
// only page here without sign-in, and it shows no figure.

const officer = requireRole('province_officer');
const unitUser = requireRole('unit_user');
const lookupForm = z.object({ q: text('شناسه ملی یا شماره پروانه', 40) });

export function eligibilityRouter(): Router {
  const router = Router();
  router.get('/province/eligibility', officer, lookup);
  router.get('/province/priority', officer, priority);
  router.get('/province/units/:id/facility', officer, facility);
  router.get('/certificate', unitUser, certificatePage);
  router.post('/certificate', unitUser, certificateIssue);
  router.get('/certificate/:code', unitUser, certificatePrint);
  router.get('/verify', publicCheckForm);
  router.get('/verify/:code', publicCheck);
  router.get('/stats/job-runs', requireRole('stats_office', 'admin'), jobRuns);
  return router;
}

async function lookup(req: Request, res: Response) {
  const province = officerProvince(req);
  const asked = typeof req.query.q === 'string';
  const values = { q: asked ? String(req.query.q).slice(0, 40) : '' };
  if (!asked) return res.render('eligibility/lookup', { title: 'استعلام شرایط دریافت خدمات', values, errors: {}, results: null });
  const parsed = parseForm(lookupForm, req.query);
  if (!parsed.ok) return res.status(422).render('eligibility/lookup', { title: 'استعلام شرایط دریافت خدمات', values, errors: parsed.errors, results: null });
  const settings = await loadSettings();
  const units = await findProvinceUnits(province, parsed.data.q);
  const results = await standings(units, new Date(), settings.rules);
  for (const s of results) {
    await auditFrom(req, { action: 'eligibility.check', unitId: s.unit.id, provinceCode: province, target: `unit:${s.unit.id}` });
  }
  res.render('eligibility/lookup', { title: 'استعلام شرایط دریافت خدمات', values, errors: {}, results });
}

async function priority(req: Request, res: Response) {
  const settings = await loadSettings();
  const { from, rows } = await priorityList(officerProvince(req), new Date(), settings.rules);
  res.render('eligibility/priority', { title: 'فهرست اولویت خدمات', from, rows });
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
  if (!(await firstApprovedUnit(currentUser(req).unit_ids))) return res.redirect(303, '/my-units');
  const unit = await currentUnitOf(req);
  const [standing] = await standings([unit], new Date(), (await loadSettings()).rules);
  res.render('eligibility/certificate', { title: 'گواهی وضعیت آماری', standing });
}

async function certificateIssue(req: Request, res: Response) {
  const unit = await currentUnitOf(req);
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
    return res.status(422).render('eligibility/verify-form', { title: 'بررسی اعتبار گواهی', values: { code: req.query.code.slice(0, 40) }, errors: { code: 'کد گواهی ۱۶ نویسه لاتین است (حروف A تا Z و ارقام ۲ تا ۷).' } });
  }
  res.render('eligibility/verify-form', { title: 'بررسی اعتبار گواهی', values: {}, errors: {} });
}

async function publicCheck(req: Request, res: Response) {
  const code = normalizeCode(String(req.params.code));
  const check = code ? await checkCertificate(code) : undefined;
  if (!check) {
    return res.status(404).render('eligibility/verify-form', { title: 'گواهی یافت نشد', values: { code: String(req.params.code).slice(0, 40) }, errors: { code: 'گواهی‌ای با این کد یافت نشد.' } });
  }
  res.render('eligibility/verify', { title: 'بررسی اعتبار گواهی', check, grouped: groupedCode(check.code) });
}

async function jobRuns(_req: Request, res: Response) {
  const data = await recentJobRuns();
  res.render('eligibility/job-runs', { title: 'اجرای شبانه', ...data });
}
