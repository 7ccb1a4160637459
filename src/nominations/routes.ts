import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser, officerProvince, flash } from '../auth/guards.ts';
import { auditFrom } from '../audit.ts';
import { loadSettings, saveSetting } from '../settings.ts';
import { parseForm, FormError, formView } from '../forms.ts';
import { persianDigits, sortFa } from '../text.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { pageNumber, pageLink, searchText } from '../paging.ts';
import { listProvinces } from '../units/model.ts';
import { startOfJalaliDay } from '../calendar.ts';
import { weightsForm, nominationForm, yearParam } from './forms.ts';
import { candidatePage, nominate, withdraw, nationalNominations, nominationYears, nominationDeadline, nominationsOpen, lockedMessage, defaultYear } from './model.ts';

export const CANDIDATES_PAGE_SIZE = 100;

// Exemplary units (DESIGN §8): the planning deputy sets the weights and sees the national list;
// each province officer ranks the province's units and nominates up to N of them.
const WEIGHTS_TITLE = 'وزن شاخص‌های واحد برگزیده';
const weightsView = formView('nominations/weights', () => ({ title: WEIGHTS_TITLE }));
/** `now`: the instant the nomination window is judged at (tests stand on either side of its end). */
export function nominationsRouter(opts: { now?: () => Date } = {}): Router {
  const now = opts.now ?? (() => new Date());
  const provinceView = formView('nominations/index', (req, _res, err) => provincePage(req, now(), err.options.locals?.year as number | undefined));
  const showProvince = async (req: Request, res: Response) => res.render('nominations/index', await provincePage(req, now()));
  const create = change(nominate, 'واحد نامزد شد.', (req) => req.body, now);
  const withdrawal = change(withdraw, 'نامزدی واحد حذف شد.', (req) => ({ year: req.params.year, unit_id: req.params.id }), now);
  const router = Router();
  router.get('/nominations/weights', ...requireRole('planning_deputy'), showWeights);
  router.post('/nominations/weights', ...requireRole('planning_deputy'), weightsView, saveWeights);
  router.get('/nominations/national', ...requireRole('planning_deputy'), showNational);
  // Heavy: the whole province is ranked (in SQL) for each page (issue 23: 14 MB of HTML at national size before paging).
  router.get('/nominations', ...requireRole('province_officer'), heavy(showProvince));
  router.post('/nominations', ...requireRole('province_officer'), provinceView, create);
  router.post('/nominations/:year/:id/withdrawal', ...requireRole('province_officer'), provinceView, withdrawal);
  return router;
}

async function showWeights(_req: Request, res: Response) {
  const w = (await loadSettings()).get('exemplary_weights');
  res.render('nominations/weights', { title: WEIGHTS_TITLE, values: w, errors: {} });
}

async function saveWeights(req: Request, res: Response) {
  const parsed = parseForm(weightsForm, req.body);
  if (!parsed.ok) throw new FormError(parsed.errors);
  const user = currentUser(req);
  await saveSetting('exemplary_weights', parsed.data, user.id);
  await auditFrom(req, { action: 'settings.exemplary_weights', target: 'setting:exemplary_weights', details: parsed.data });
  flash(req, 'success', 'وزن شاخص‌ها ذخیره شد. امتیازهای تازه از این پس با این وزن‌ها محاسبه می‌شوند.');
  res.redirect(303, '/nominations/weights');
}

/** The province's ranked list of `year` (default: the one asked for, else the likely one). */
async function provincePage(req: Request, at: Date, yearOverride?: number): Promise<Record<string, unknown>> {
  const province = officerProvince(req);
  const y = parseForm(yearParam, req.query.year);
  const year = yearOverride ?? (y.ok && y.data ? Number(y.data) : defaultYear(at));
  const settings = await loadSettings();
  // Ranked over the whole province, searched and cut to a page in SQL; the nominated units always on top.
  const q = searchText(req.query.q);
  const shown = await withStatementTimeout((k) => candidatePage(year, province, at, { q, page: pageNumber(req.query.page), size: CANDIDATES_PAGE_SIZE, settings }, k));
  return {
    title: 'واحدهای برگزیده استان',
    year, list: shown.rows, page: shown.page, pages: shown.pages, total: shown.total, all: shown.all, q,
    nominatedElsewhere: shown.nominatedElsewhere,
    pageHref: pageLink('/nominations', { year, q }),
    errors: {},
    open: nominationsOpen(year, at),
    locked: lockedMessage(year),
    deadline: nominationDeadline(year),
    cap: settings.get('nominations_per_province'),
    taken: shown.taken,
    weights: settings.get('exemplary_weights'),
    yearInProgress: at < startOfJalaliDay({ jy: year + 1, jm: 1, jd: 1 }),
  };
}

/** Nominating names the unit and year in the form; a withdrawal is of the nomination in its path. */
function change(fn: typeof nominate, done: string, nomination: (req: Request) => unknown, now: () => Date) {
  return async (req: Request, res: Response) => {
    const province = officerProvince(req);
    const parsed = parseForm(nominationForm, nomination(req));
    if (!parsed.ok) throw new FormError(parsed.errors);
    try {
      await fn({ year: parsed.data.year, unitId: parsed.data.unit_id, provinceCode: province, userId: currentUser(req).id, at: now() });
    } catch (e) {
      // The model's refusals (window closed, cap reached) are shown on that year's list.
      if (e instanceof FormError) throw new FormError(e.errors, { locals: { year: parsed.data.year } });
      throw e;
    }
    flash(req, 'success', done);
    res.redirect(303, `/nominations?year=${parsed.data.year}`);
  };
}


async function showNational(req: Request, res: Response) {
  const y = parseForm(yearParam, req.query.year);
  const years = await nominationYears();
  const year = y.ok && y.data ? Number(y.data) : years[0] ?? defaultYear(new Date());
  const list = await nationalNominations(year);
  const byProvince = new Map<string, typeof list>();
  for (const n of sortFa(list, (x) => x.province)) byProvince.set(n.province, [...(byProvince.get(n.province) ?? []), n]);
  // The provinces that have not nominated yet, so the deputy knows whom to chase.
  const silent = (await listProvinces()).filter((p) => !list.some((n) => n.province_code === p.code));
  res.render('nominations/national', { title: `واحدهای برگزیده سال ${persianDigits(year)}`, year, years, byProvince, silent, total: list.length, deadline: nominationDeadline(year) });
}
