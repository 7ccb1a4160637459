import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { requireRole, currentUser, officerProvince, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { FormError, formView, refusedWith, parseForm, str, type FieldErrors } from '../forms.ts';
import { persianDigits } from '../text.ts';
import { pageNumber, pageLink } from '../paging.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { entryForm, retireForm, linkForm, typedEntry } from './forms.ts';
import { searchCatalogue, findEntry, createEntry, updateEntry, retireEntry, deleteEntry, usageOf, listUnitsOfMeasure, dimensionName, currentPeriod } from './model.ts';
import { mappingQueue, suggestionsFor, linkProducts, spellingKeyOf, visibleProduct, type Scope } from './mapping.ts';

// The national product catalogue (issue 15): kept by the statistics office; the mapping queue is
// shared with province officers, each for its own province.
export function catalogueRouter(): Router {
  const router = Router();
  // Public: the registration form's product picker asks it as the visitor types (issue 23 F12).
  router.get('/catalogue/search', rateLimit({ windowMs: 60_000, limit: 300, standardHeaders: 'draft-7', legacyHeaders: false }), searchJson);
  router.get('/catalogue', ...requireRole('stats_office'), showIndex);
  router.post('/catalogue', ...requireRole('stats_office'), indexView, create);
  // Heavy: the queue and its ranking grow with the country (issue 23 F4).
  router.get('/catalogue/mapping', ...requireRole('stats_office', 'province_officer'), heavy(showQueue));
  router.post('/catalogue/mapping/:id/link', ...requireRole('stats_office', 'province_officer'), heavy(link));
  router.get('/catalogue/:code', ...requireRole('stats_office'), showEntry);
  router.post('/catalogue/:code', ...requireRole('stats_office'), entryView, update);
  router.post('/catalogue/:code/retirement', ...requireRole('stats_office'), entryView, retire);
  router.post('/catalogue/:code/deletion', ...requireRole('stats_office'), entryView, remove);
  return router;
}

export const PICKER_LIMIT = 20;

/** Codes in force whose name or code matches what was typed (two characters at least), the unit's ISIC class first. */
async function searchJson(req: Request, res: Response) {
  const q = str(req.query.q, 100);
  const isic = /^\d{4}$/.test(str(req.query.isic)) ? str(req.query.isic) : undefined;
  const found = [...q.trim()].length >= 2 ? await searchCatalogue({ q, isicFirst: isic, activeAt: currentPeriod(), limit: PICKER_LIMIT }) : [];
  res.json({ results: found.map((c) => ({ code: c.code, name_fa: c.name_fa, unit_name: c.unit_name })) });
}

function codeParam(req: Request): string {
  const raw = String(req.params.code ?? '');
  if (!/^\d{4,10}$/.test(raw)) throw new NotFoundError();
  return raw;
}

function idParam(req: Request): number {
  const raw = String(req.params.id ?? '');
  if (!/^\d{1,9}$/.test(raw)) throw new NotFoundError();
  return Number(raw);
}

const actorOf = (req: Request) => ({ id: currentUser(req).id, ip: req.ip });
const scopeOf = (req: Request): Scope => (currentUser(req).role === 'province_officer' ? officerProvince(req) : null);
const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;

async function indexPage(req: Request): Promise<Record<string, unknown>> {
  const q = str(req.query.q, 100);
  const entries = await searchCatalogue({ q });
  const usage = await usageOf(entries.map((e) => e.code));
  return { title: 'فهرست ملی محصولات', q, entries, usage, values: {}, errors: {}, units: await listUnitsOfMeasure(), dimensionName, now: currentPeriod() };
}

const indexView = formView('catalogue/index', indexPage);

async function showIndex(req: Request, res: Response) {
  res.render('catalogue/index', { ...(await indexPage(req)), values: { active_from: currentPeriod() } });
}

async function create(req: Request, res: Response) {
  const values = typedEntry(body(req));
  const parsed = parseForm(entryForm, body(req));
  if (!parsed.ok) throw new FormError(parsed.errors, { values });
  await refusedWith(createEntry(parsed.data, actorOf(req)), { values });
  flash(req, 'success', `کد ${persianDigits(parsed.data.code)} به فهرست ملی محصولات افزوده شد.`);
  res.redirect(303, `/catalogue?q=${encodeURIComponent(parsed.data.code)}`);
}

type Entry = NonNullable<Awaited<ReturnType<typeof findEntry>>>;
const entryValues = (entry: Entry) => ({ ...entry, name_en: entry.name_en ?? '', retired_from: entry.retired_from ?? '' });

async function entryPage(req: Request): Promise<Record<string, unknown>> {
  const entry = await findEntry(codeParam(req));
  if (!entry) throw new NotFoundError();
  const usage = (await usageOf([entry.code])).get(entry.code) ?? 0;
  return { title: `کد ${persianDigits(entry.code)}`, entry, usage, errors: {}, units: await listUnitsOfMeasure(), dimensionName, values: entryValues(entry) };
}

const entryView = formView('catalogue/entry', entryPage);

async function showEntry(req: Request, res: Response) {
  res.render('catalogue/entry', await entryPage(req));
}

async function update(req: Request, res: Response) {
  const code = codeParam(req);
  const values = { ...typedEntry(body(req)), code };
  const parsed = parseForm(entryForm, { ...body(req), code });
  if (!parsed.ok) throw new FormError(parsed.errors, { values });
  const result = await refusedWith(updateEntry(code, parsed.data, actorOf(req)), { values });
  if (result === 'not_found') throw new NotFoundError();
  flash(req, 'success', 'تغییرات کد ذخیره شد.');
  res.redirect(303, `/catalogue/${code}`);
}

async function retire(req: Request, res: Response) {
  const code = codeParam(req);
  const parsed = parseForm(retireForm, body(req));
  const entry = await findEntry(code);
  if (!entry) throw new NotFoundError();
  const values = { ...entryValues(entry), retired_from: str(body(req).retired_from, 20) };
  if (!parsed.ok) throw new FormError(parsed.errors, { values });
  await refusedWith(retireEntry(code, parsed.data.retired_from, actorOf(req)), { values });
  flash(req, 'success', 'کد بازنشسته شد؛ محصولات و اظهارنامه‌هایی که آن را دارند همان کد را نگه می‌دارند.');
  res.redirect(303, `/catalogue/${code}`);
}

async function remove(req: Request, res: Response) {
  const code = codeParam(req);
  const entry = await findEntry(code);
  // A code still in use or not retired stays: its page again, as stored, saying why.
  const result = await refusedWith(deleteEntry(code, actorOf(req)), { status: 409, values: entry && entryValues(entry) });
  if (result === 'not_found') throw new NotFoundError();
  flash(req, 'success', `کد ${persianDigits(code)} حذف شد.`);
  res.redirect(303, '/catalogue');
}

async function renderQueue(req: Request, res: Response, status: number, failed: { id: number; values: Record<string, string>; errors: FieldErrors } | null) {
  const scope = scopeOf(req);
  const page = pageNumber(req.query.page ?? body(req).page);
  const { queue, suggestions } = await withStatementTimeout(async (k) => {
    const q = await mappingQueue(scope, page, k);
    return { queue: q, suggestions: await suggestionsFor(q.groups, k) };
  });
  // A refused decision is shown on its spelling's card, whichever product of it was posted.
  const failedKey = failed ? await spellingKeyOf(failed.id) : null;
  res.status(status).render('catalogue/mapping', {
    title: 'صف پیوند محصولات به فهرست ملی', scope, ...queue,
    pageHref: pageLink('/catalogue/mapping', {}),
    suggestions, units: await listUnitsOfMeasure(), dimensionName, failed: failed && { ...failed, key: failedKey },
  });
}

async function showQueue(req: Request, res: Response) {
  await renderQueue(req, res, 200, null);
}

async function link(req: Request, res: Response) {
  const id = idParam(req);
  if (!(await visibleProduct(id, scopeOf(req)))) throw new NotFoundError();
  const b = body(req);
  const values = { code: String(b.code ?? '').slice(0, 20), all: b.all ? '1' : '', unit_of_measure_code: String(b.unit_of_measure_code ?? '').slice(0, 20) };
  const parsed = parseForm(linkForm, b);
  if (!parsed.ok) return renderQueue(req, res, 422, { id, values, errors: parsed.errors });
  let result;
  try {
    result = await linkProducts({ productId: id, code: parsed.data.code, all: parsed.data.all, unitOfMeasureCode: parsed.data.unit_of_measure_code }, scopeOf(req), actorOf(req));
  } catch (e) {
    if (e instanceof FormError) return renderQueue(req, res, 422, { id, values, errors: e.errors });
    throw e;
  }
  if (result === 'not_found') throw new NotFoundError();
  const skipped = result.skipped ? ` ${persianDigits(result.skipped)} محصول هم‌نام با واحد سنجشی از جنس دیگر پیوند نخورد و در صف ماند.` : '';
  flash(req, 'success', `${persianDigits(result.linked)} محصول به کد ${persianDigits(parsed.data.code)} پیوند خورد.${skipped}`);
  const page = pageNumber(b.page);
  res.redirect(303, page > 1 ? `/catalogue/mapping?page=${page}` : '/catalogue/mapping');
}
