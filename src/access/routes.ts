import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser, officerProvince, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { idParam, str } from '../forms.ts';
import { latinDigits } from '../text.ts';
import { listProvinces } from '../units/model.ts';
import { pageNumber, pageLink } from '../paging.ts';
import { mailConfigured } from '../mail.ts';
import { accessReview, provinceOfficers, confirmRole, colleagueActivation, type ConfirmResult } from './grants.ts';

// Who holds a role that reaches unit data, who granted it and who confirmed it (issue 23 F1):
// the admin's access review, and each province's page of its officers, where a confirmed
// officer confirms a colleague's new role or makes its one-time link when there is no mail.

export function accessRouter(): Router {
  const router = Router();
  const admin = requireRole('admin');
  const officer = requireRole('province_officer');
  router.get('/admin/access-review', ...admin, showReview);
  router.post('/admin/users/:id/role-confirmation', ...admin, (req, res) => confirm(req, res, '/admin/access-review'));
  router.get('/province/officers', ...officer, showOfficers);
  router.post('/province/officers/:id/role-confirmation', ...officer, (req, res) => confirm(req, res, '/province/officers'));
  router.post('/province/officers/:id/activation-link', ...officer, issueLink);
  return router;
}

async function showReview(req: Request, res: Response) {
  const province = latinDigits(str(req.query.province)).trim();
  const code = /^\d{2}$/.test(province) ? province : '';
  const page = pageNumber(req.query.page);
  const review = await accessReview({ province: code, page });
  res.setHeader('Cache-Control', 'no-store');
  res.render('access/review', {
    title: 'بازبینی دسترسی‌ها', review, province: code, page, provinces: await listProvinces(), me: currentUser(req).id,
    pageHref: pageLink('/admin/access-review', { province: code }),
  });
}

async function showOfficers(req: Request, res: Response) {
  const province = officerProvince(req);
  res.render('access/officers', { title: 'کارشناسان استان', officers: await provinceOfficers(province), me: currentUser(req).id, mail: mailConfigured() });
}

const CONFIRM_MESSAGES: Record<Exclude<ConfirmResult, 'not_found'>, ['success' | 'warning', string]> = {
  done: ['success', 'نقش تأیید شد و اکنون به کار می‌افتد؛ به صاحب حساب خبر داده شد.'],
  own_grant: ['warning', 'نقشی را که خودتان داده‌اید (یا نقش خودتان را) نمی‌توانید تأیید کنید؛ نفر دوم باید کس دیگری باشد.'],
  not_pending: ['warning', 'این نقش پیش‌تر تأیید شده است.'],
};

async function confirm(req: Request, res: Response, back: string) {
  const result = await confirmRole(idParam(req), currentUser(req), req.ip ?? null);
  if (result === 'not_found') throw new NotFoundError();
  const [kind, text] = CONFIRM_MESSAGES[result];
  flash(req, kind, text);
  res.redirect(303, back);
}

async function issueLink(req: Request, res: Response) {
  const issued = await colleagueActivation(idParam(req), currentUser(req), req.ip ?? null);
  if (!issued) throw new NotFoundError();
  if (issued.mailed) {
    flash(req, 'success', `پیوند تازه به ${issued.email} فرستاده شد.`);
    return res.redirect(303, '/province/officers');
  }
  // Shown once, in this answer only: the link is stored as a hash and never appears again.
  res.setHeader('Cache-Control', 'no-store');
  res.status(201).render('units/activation-link', { title: 'پیوند یک‌بار مصرف', issued, back: '/province/officers' });
}
