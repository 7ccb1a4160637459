import { fa } from '../numbers.ts';
import { Router, type Request, type Response } from 'express';
import { requireRole, officerProvince, currentUser, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { parseForm, FormError, formView, str } from '../forms.ts';
import { auditFrom } from '../audit.ts';
import { db } from '../db.ts';
import { parseQueueFilter, reasonForm, bulkForm, filterQuery, queueUrl, queueBack } from './forms.ts';
import { provinceQueue, provinceCounts, verifiedShareByDay, findProvinceFiling, filingDetails, decide, bulkVerify, type Decision } from './model.ts';

// DESIGN §6: the province office's queue. Verify, return and reopen are resources of a filing
// (POST …/verification, …/return, …/reopening), each guarded in SQL by the state it starts from.

const officer = requireRole('province_officer');

export function verificationsRouter(): Router {
  const router = Router();
  router.get('/province', officer, home);
  router.get('/province/queue', officer, queue);
  router.post('/province/queue/bulk-verification', officer, bulkVerification);
  router.get('/province/filings/:id', officer, show);
  router.post('/province/filings/:id/verification', officer, decision('verify'));
  // A return or reopening refused (no reason) is shown at its own URL; that URL answers a GET
  // too (the page with its form open), so a reload or a bookmark of it never meets a 404.
  router.get('/province/filings/:id/return', officer, showOpen('return'));
  router.post('/province/filings/:id/return', officer, filingView, decision('return'));
  router.get('/province/filings/:id/reopening', officer, showOpen('reopen'));
  router.post('/province/filings/:id/reopening', officer, filingView, decision('reopen'));
  return router;
}

async function home(req: Request, res: Response) {
  const counts = await provinceCounts(officerProvince(req));
  const province = await db()('provinces').where({ code: officerProvince(req) }).first('name');
  const verified = await verifiedShareByDay(officerProvince(req), new Date());
  res.render('province/index', { title: 'کارتابل استان', counts, provinceName: province?.name ?? '', verified });
}

async function queue(req: Request, res: Response) {
  const filter = parseQueueFilter(req.query);
  const result = await provinceQueue(officerProvince(req), filter);
  res.render('verifications/queue', { title: 'صف بررسی اظهارنامه‌ها', filter, ...result, filterQuery: filterQuery(filter), here: queueUrl(filter) });
}

async function bulkVerification(req: Request, res: Response) {
  const province = officerProvince(req);
  const filter = parseQueueFilter(req.body);
  const form = bulkForm.parse(req.body ?? {});
  const ids = form.all === 'all' ? 'filtered' : form.all === 'below' ? 'below_threshold' : form.ids;
  const result = await bulkVerify({ province, userId: currentUser(req).id, ids, filter, ip: req.ip ?? null });
  const held = form.all === 'below' ? 'دارای هشدار یا امتیاز بالاتر از آستانه' : 'دارای هشدار';
  if (result.verified === 0 && result.skipped === 0) flash(req, 'warning', 'اظهارنامه‌ای برای تأیید انتخاب نشده بود.');
  else flash(req, 'success', `${fa(result.verified)} اظهارنامه تأیید شد؛ ${fa(result.skipped)} اظهارنامه ${held} کنار گذاشته شد و باید جداگانه بررسی شود.`);
  res.redirect(303, queueUrl({ ...filter, state: 'submitted' }));
}

/** The officer's page of a filing of the province (404 otherwise); opening it is recorded. */
async function filingPage(req: Request): Promise<Record<string, unknown>> {
  const province = officerProvince(req);
  const filing = await findProvinceFiling(province, Number(req.params.id));
  if (!filing) throw new NotFoundError();
  const details = await filingDetails(filing);
  if (req.method === 'GET') {
    // DESIGN §2: every time an officer opens a unit's filing, the access is recorded.
    await auditFrom(req, { action: 'filing.view', unitId: filing.unit_id, provinceCode: province, target: `filing:${filing.id}`, details: { period: filing.period } });
  }
  return {
    title: `اظهارنامه ${filing.unit_name}`,
    filing,
    ...details,
    values: {},
    errors: {},
    openForm: null,
    back: queueBack(req.body?.back ?? req.query.back),
  };
}

const filingView = formView('verifications/filing', filingPage);

async function show(req: Request, res: Response) {
  res.render('verifications/filing', await filingPage(req));
}

const showOpen = (d: 'return' | 'reopen') => async (req: Request, res: Response) => {
  res.render('verifications/filing', { ...(await filingPage(req)), openForm: d });
};

const DONE: Record<Decision, string> = {
  verify: 'اظهارنامه تأیید شد.',
  return: 'اظهارنامه برای اصلاح به واحد عودت داده شد.',
  reopen: 'اظهارنامه بازگشایی شد و دوباره در صف بررسی است.',
};

const NOT_APPLICABLE: Record<Decision, string> = {
  verify: 'این اظهارنامه در انتظار بررسی نیست (شاید همکار دیگری پیش‌تر درباره آن تصمیم گرفته است).',
  return: 'این اظهارنامه در انتظار بررسی نیست و نمی‌توان آن را عودت داد.',
  reopen: 'تنها اظهارنامه تأییدشده را می‌توان بازگشایی کرد.',
};

const decision = (d: Decision) => (req: Request, res: Response) => decideFiling(req, res, d);

async function decideFiling(req: Request, res: Response, d: Decision) {
  const province = officerProvince(req);
  const id = Number(req.params.id);
  const filing = await findProvinceFiling(province, id);
  if (!filing) throw new NotFoundError();
  let reason: string | null = null;
  if (d !== 'verify') {
    const parsed = parseForm(reasonForm, req.body);
    if (!parsed.ok) {
      const typed = str(req.body?.reason, 2000);
      throw new FormError(parsed.errors, { values: { reason: typed }, locals: { openForm: d } });
    }
    reason = parsed.data.reason;
  }
  const applied = await decide(d, { province, filingId: id, userId: currentUser(req).id, reason, ip: req.ip ?? null });
  flash(req, applied ? 'success' : 'warning', applied ? DONE[d] : NOT_APPLICABLE[d]);
  // Back to the queue as the officer left it (filter, search, page); a reopened filing stays in view.
  const back = queueBack(req.body?.back ?? req.query.back);
  res.redirect(303, d === 'reopen' || !applied ? `/province/filings/${id}?back=${encodeURIComponent(back)}` : back);
}
