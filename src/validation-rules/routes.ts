import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { parseForm, idParam, formView, FormError } from '../forms.ts';
import { periodOf } from '../calendar.ts';
import { ruleForm, typedRule } from './forms.ts';
import { listRules, findRule, saveRule, retireRule } from './model.ts';
import { FIGURES, OPERATORS } from './expression.ts';

// Issue 24 §3: the statistics office keeps the validation rules: add, edit, retire.
const office = requireRole('stats_office');

export function validationRulesRouter(): Router {
  const router = Router();
  router.get('/validation-rules', ...office, index);
  router.post('/validation-rules', ...office, indexView, create);
  router.get('/validation-rules/:id', ...office, edit);
  router.post('/validation-rules/:id', ...office, editView, update);
  router.post('/validation-rules/:id/retirement', ...office, retire);
  return router;
}

const body = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
const common = { figures: FIGURES, operators: OPERATORS };

async function indexPage(): Promise<Record<string, unknown>> {
  return { title: 'قاعده‌های کنترل اظهارنامه', rules: await listRules(), values: {}, errors: {}, ...common };
}

const indexView = formView('validation-rules/index', indexPage);

/** The rule's edit page (404 for no such rule). */
async function editPage(req: Request): Promise<Record<string, unknown>> {
  const rule = await findRule(idParam(req));
  if (!rule) throw new NotFoundError();
  return { title: `ویرایش قاعده «${rule.name}»`, rule, values: { ...rule, effective_to: rule.effective_to ?? '' }, errors: {}, ...common };
}

const editView = formView('validation-rules/edit', editPage);

async function index(_req: Request, res: Response) {
  res.render('validation-rules/index', { ...(await indexPage()), values: { effective_from: periodOf(new Date()), severity: 'warning', operator: '<=' } });
}

async function create(req: Request, res: Response) {
  const parsed = parseForm(ruleForm, body(req));
  if (!parsed.ok) throw new FormError(parsed.errors, { values: typedRule(body(req)) });
  await saveRule(parsed.data, currentUser(req).id, null, req.ip ?? null);
  flash(req, 'success', 'قاعده افزوده شد و از دوره آغازش در ارسال اظهارنامه‌ها اعمال می‌شود.');
  res.redirect(303, '/validation-rules');
}

async function edit(req: Request, res: Response) {
  res.render('validation-rules/edit', await editPage(req));
}

async function update(req: Request, res: Response) {
  const rule = await findRule(idParam(req));
  if (!rule) throw new NotFoundError();
  const parsed = parseForm(ruleForm, body(req));
  if (!parsed.ok) throw new FormError(parsed.errors, { values: typedRule(body(req)) });
  const saved = await saveRule(parsed.data, currentUser(req).id, rule.id, req.ip ?? null);
  flash(req, saved ? 'success' : 'warning', saved ? 'قاعده ذخیره شد.' : 'قاعده بازنشسته است و ویرایش نمی‌شود.');
  res.redirect(303, '/validation-rules');
}

async function retire(req: Request, res: Response) {
  const rule = await findRule(idParam(req));
  if (!rule) throw new NotFoundError();
  const done = await retireRule(rule.id, currentUser(req).id, req.ip ?? null);
  flash(req, done ? 'success' : 'warning', done ? 'قاعده بازنشسته شد و دیگر اعمال نمی‌شود.' : 'این قاعده پیش‌تر بازنشسته شده بود.');
  res.redirect(303, '/validation-rules');
}
