import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { parseForm, FormError, formView, refusedWith, idParam, backToList, str, type FieldErrors } from '../forms.ts';
import { mailConfigured } from '../mail.ts';
import { listProvinces } from '../units/model.ts';
import { ROLES } from '../auth/users.ts';
import { createStaffUser, listUsers, findUser, resetPassword, setUserActive, changeRole } from './users.ts';
import { staffUserForm, parseUserFilter, userFilterQuery, roleForm, CREATABLE_ROLES } from './forms.ts';
import { settingsPage, parseSettingForm, changeSetting, isSettingKey, SETTING_META, SETTING_KEYS, isPeriodic } from './settings.ts';
import { auditRouter } from './audit-routes.ts';

export function adminRouter(): Router {
  const router = Router();
  const admin = requireRole('admin');
  router.get('/admin/users', ...admin, showUsers);
  router.post('/admin/users', ...admin, usersView, createUser);
  router.post('/admin/users/:id/password-reset', ...admin, resetUserPassword);
  router.post('/admin/users/:id/role', ...admin, usersView, changeUserRole);
  // Deactivation asks first (a page of its own, a box to tick): it ends the account's sessions and API keys.
  router.get('/admin/users/:id/deactivation', ...admin, confirmDeactivation);
  router.post('/admin/users/:id/deactivation', ...admin, deactivationView, (req, res) => changeActive(req, res, false));
  router.post('/admin/users/:id/reactivation', ...admin, (req, res) => changeActive(req, res, true));
  router.get('/admin/settings', ...admin, showSettings);
  router.post('/admin/settings', ...admin, settingsView, updateSetting);
  // Slot for the audit page: its router lives in src/admin/audit-routes.ts and is mounted on the next line.
  router.use(auditRouter());
  return router;
}

const actorOf = (req: Request) => ({ id: currentUser(req).id, ip: req.ip ?? null });
const USERS = '/admin/users';
/** The users list as the admin left it (search, filters, page). */
const usersBack = (back: unknown) => backToList(back, USERS, (query) => USERS + userFilterQuery(parseUserFilter(query, ROLES)));

async function usersPage(req: Request): Promise<Record<string, unknown>> {
  const filter = parseUserFilter(req.query as Record<string, unknown>, ROLES);
  const result = await listUsers(filter);
  return {
    title: 'کاربران', users: result.rows, total: result.total, pages: result.pages, filter, provinces: await listProvinces(),
    pageHref: (n: number) => USERS + userFilterQuery(filter, n), here: USERS + userFilterQuery(filter),
    roles: ROLES, creatableRoles: CREATABLE_ROLES, values: {}, errors: {}, mailConfigured: mailConfigured(),
  };
}

const usersView = formView('admin/users', usersPage);

async function showUsers(req: Request, res: Response) {
  res.render('admin/users', await usersPage(req));
}

function typedUser(body: Record<string, unknown>): Record<string, string> {
  const s = (k: string) => str(body[k], 300);
  return { email: s('email'), full_name: s('full_name'), role: s('role'), province_code: s('province_code') };
}

async function createUser(req: Request, res: Response) {
  const typed = typedUser(req.body ?? {});
  const parsed = parseForm(staffUserForm, req.body);
  if (!parsed.ok) throw new FormError(parsed.errors, { values: typed });
  const created = await refusedWith(createStaffUser(parsed.data, actorOf(req)), { values: typed });
  res.status(201).render('admin/user-link', { title: 'حساب ساخته شد', heading: 'حساب کاربری ساخته شد', created });
}

async function resetUserPassword(req: Request, res: Response) {
  const id = idParam(req);
  if (id === currentUser(req).id) {
    flash(req, 'warning', 'گذرواژه حساب خودتان را از صفحه «حساب کاربری» تغییر دهید.');
    return res.redirect(303, '/admin/users');
  }
  const reset = await resetPassword(id, actorOf(req));
  if (!reset) throw new NotFoundError();
  res.setHeader('Cache-Control', 'no-store');
  res.render('admin/user-link', { title: 'بازنشانی گذرواژه', heading: 'گذرواژه بازنشانی شد', created: reset });
}

async function changeUserRole(req: Request, res: Response) {
  const id = idParam(req);
  const parsed = parseForm(roleForm, req.body);
  // The role is chosen in the list, row by row: the refusal is said above the list.
  const refused = (errors: FieldErrors) => new FormError({ _form: `تغییر نقش انجام نشد: ${Object.values(errors)[0] ?? 'نقش را انتخاب کنید.'}` }, { values: {} });
  if (!parsed.ok) throw refused(parsed.errors);
  const result = await changeRole(id, parsed.data, actorOf(req)).catch((e: unknown) => {
    throw e instanceof FormError ? refused(e.errors) : e;
  });
  if (result === 'not_found') throw new NotFoundError();
  if (result === 'self') {
    res.status(403).render('error', { title: 'تغییر نقش ممکن نیست', message: 'هیچ مدیری نمی‌تواند به حساب خودش نقش بدهد؛ این کار را مدیر دیگری باید انجام دهد.' });
    return;
  }
  flash(req, 'success', result === 'done' ? 'نقش حساب تغییر کرد و به صاحب حساب خبر داده شد.' : 'نقش حساب همان بود و تغییری نکرد.');
  res.redirect(303, usersBack(req.body?.back));
}

async function deactivationPage(req: Request): Promise<Record<string, unknown>> {
  const target = await findUser(idParam(req));
  if (!target) throw new NotFoundError();
  return { title: 'غیرفعال کردن حساب', target, errors: {}, back: usersBack(req.body?.back ?? req.query.back), self: target.id === currentUser(req).id };
}

const deactivationView = formView('admin/user-deactivate', deactivationPage);

async function confirmDeactivation(req: Request, res: Response) {
  res.render('admin/user-deactivate', await deactivationPage(req));
}

async function changeActive(req: Request, res: Response, active: boolean) {
  const id = idParam(req);
  const back = usersBack(req.body?.back);
  if (id === currentUser(req).id) {
    flash(req, 'warning', 'نمی‌توانید حساب خودتان را غیرفعال کنید.');
    return res.redirect(303, back);
  }
  // Without the box ticked nothing changes: the page asks again, saying why.
  if (!active && req.body?.confirm !== 'yes') {
    throw new FormError({ confirm: 'برای غیرفعال کردن، تأیید کنید که این حساب دیگر نتواند وارد شود.' });
  }
  if (!(await setUserActive(id, active, actorOf(req)))) throw new NotFoundError();
  flash(req, 'success', active ? 'حساب دوباره فعال شد.' : 'حساب غیرفعال شد؛ دیگر نمی‌تواند وارد شود.');
  res.redirect(303, back);
}

async function settingsLocals(failedKey: string | null): Promise<Record<string, unknown>> {
  const page = await settingsPage(new Date());
  return { title: 'تنظیمات', page, meta: SETTING_META, keys: SETTING_KEYS, isPeriodic, failedKey, values: {}, errors: {} };
}

const settingsView = formView('admin/settings', (req) => settingsLocals(isSettingKey(req.body?.key) ? req.body.key : null));

async function showSettings(_req: Request, res: Response) {
  res.render('admin/settings', await settingsLocals(null));
}

async function updateSetting(req: Request, res: Response) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const key = body.key;
  if (!isSettingKey(key)) throw new NotFoundError();
  const parsed = parseSettingForm(key, body, new Date());
  if (!parsed.ok) throw new FormError(parsed.errors);
  await changeSetting(parsed.change, actorOf(req));
  flash(req, 'success', `«${SETTING_META[key].label}» ذخیره شد.`);
  res.redirect(303, `/admin/settings#setting-${key}`);
}
