import { Router, type Request, type Response, type NextFunction } from 'express';
import { requireRole, currentUser, officerProvince, flash } from '../auth/guards.ts';
import { auditFrom } from '../audit.ts';
import { loadSettings, saveSetting } from '../settings.ts';
import { parseForm, FormError, type FieldErrors } from '../forms.ts';
import { persianDigits, sortFa } from '../text.ts';
import { listProvinces } from '../units/model.ts';
import { startOfJalaliDay } from '../calendar.ts';
import { weightsForm, nominationForm, yearParam } from './forms.ts';
import { candidates, nominate, withdraw, nationalNominations, nominationYears, nominationDeadline, nominationsOpen, lockedMessage, defaultYear, clock } from './model.ts';

// Exemplary units (DESIGN §8): the planning deputy sets the weights and sees the national list;
// each province officer ranks the province's units and nominates up to N of them.
export function nominationsRouter(): Router {
  const router = Router();
  router.get('/nominations/weights', ...requireRole('planning_deputy'), showWeights);
  router.post('/nominations/weights', ...requireRole('planning_deputy'), saveWeights);
  router.get('/nominations/national', ...requireRole('planning_deputy'), showNational);
  router.get('/nominations', ...requireRole('province_officer'), showProvince);
  router.post('/nominations', ...requireRole('province_officer'), create);
  router.post('/nominations/remove', ...requireRole('province_officer'), remove);
  return router;
}

async function showWeights(_req: Request, res: Response) {
  const w = (await loadSettings()).get('exemplary_weights');
  res.render('nominations/weights', { title: 'وزن شاخص‌های واحد برگزیده', values: w, errors: {} });
}

async function saveWeights(req: Request, res: Response) {
  const parsed = parseForm(weightsForm, req.body);
  if (!parsed.ok) return res.status(422).render('nominations/weights', { title: 'وزن شاخص‌های واحد برگزیده', values: req.body, errors: parsed.errors });
  const user = currentUser(req);
  await saveSetting('exemplary_weights', parsed.data, user.id);
  await auditFrom(req, { action: 'settings.exemplary_weights', target: 'setting:exemplary_weights', details: parsed.data });
  flash(req, 'success', 'وزن شاخص‌ها ذخیره شد. امتیازهای تازه از این پس با این وزن‌ها محاسبه می‌شوند.');
  res.redirect(303, '/nominations/weights');
}

async function showProvince(req: Request, res: Response, _next?: NextFunction, status = 200, errors: FieldErrors = {}, yearOverride?: number) {
  const province = officerProvince(req);
  const at = clock.now();
  const y = parseForm(yearParam, req.query.year);
  const year = yearOverride ?? (y.ok && y.data ? Number(y.data) : defaultYear(at));
  const settings = await loadSettings();
  const list = await candidates(year, province, at, { settings });
  res.status(status).render('nominations/index', {
    title: 'واحدهای برگزیده استان',
    year, list, errors,
    open: nominationsOpen(year, at),
    locked: lockedMessage(year),
    deadline: nominationDeadline(year),
    cap: settings.get('nominations_per_province'),
    taken: list.filter((c) => c.nominated).length,
    weights: settings.get('exemplary_weights'),
    yearInProgress: at < startOfJalaliDay({ jy: year + 1, jm: 1, jd: 1 }),
  });
}

function change(fn: typeof nominate, done: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const province = officerProvince(req);
    const parsed = parseForm(nominationForm, req.body);
    if (!parsed.ok) return showProvince(req, res, next, 422, parsed.errors);
    try {
      await fn({ year: parsed.data.year, unitId: parsed.data.unit_id, provinceCode: province, userId: currentUser(req).id, at: clock.now() });
    } catch (e) {
      if (e instanceof FormError) return showProvince(req, res, next, 422, e.errors, parsed.data.year);
      throw e;
    }
    flash(req, 'success', done);
    res.redirect(303, `/nominations?year=${parsed.data.year}`);
  };
}

const create = change(nominate, 'واحد نامزد شد.');
const remove = change(withdraw, 'نامزدی واحد حذف شد.');

async function showNational(req: Request, res: Response) {
  const y = parseForm(yearParam, req.query.year);
  const years = await nominationYears();
  const year = y.ok && y.data ? Number(y.data) : years[0] ?? defaultYear(clock.now());
  const list = await nationalNominations(year);
  const byProvince = new Map<string, typeof list>();
  for (const n of sortFa(list, (x) => x.province)) byProvince.set(n.province, [...(byProvince.get(n.province) ?? []), n]);
  // The provinces that have not nominated yet, so the deputy knows whom to chase.
  const silent = (await listProvinces()).filter((p) => !list.some((n) => n.province_code === p.code));
  res.render('nominations/national', { title: `واحدهای برگزیده سال ${persianDigits(year)}`, year, years, byProvince, silent, total: list.length, deadline: nominationDeadline(year) });
}
