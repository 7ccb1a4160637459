import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser, flash } from '../auth/guards.ts';
import { parseForm, idParam, formView, FormError } from '../forms.ts';
import { env } from '../env.ts';
import { viewerOf } from './embargo.ts';
import { announce, moveAnnouncement, slotLabel, ANNOUNCEMENT_KINDS } from './calendar.ts';
import { announceForm, moveForm } from './forms.ts';
import { calendarPage, calendarIcs } from './schedule.ts';
import { metadataPage, METADATA_KINDS, type MetadataKind } from './metadata.ts';

// Issue 27: the advance release calendar (public, as the SDDS asks: announced dates need no
// sign-in), its iCalendar feed, the statistics office's announcements and moves, and the
// metadata page of each kind of release (public: methodology and quality, no cell of a release).
export function disseminationRouter(): Router {
  const router = Router();
  router.get('/stats/calendar', async (req, res) => res.render('dissemination/calendar', await calendarLocals(req)));
  router.get('/stats/calendar.ics', showIcs);
  router.post('/stats/calendar/announcements', ...requireRole('stats_office'), calendarView, createAnnouncement);
  router.post('/stats/calendar/announcements/:id/moves', ...requireRole('stats_office'), calendarView, createMove);
  router.get('/stats/metadata/:kind', showMetadata);
  return router;
}

const KIND_CHOICES = ANNOUNCEMENT_KINDS.map((k) => ({ code: k, label: k === 'final' ? 'نهایی (ماه، فصل یا سال)' : k === 'preliminary' ? 'مقدماتی' : k === 'revision' ? 'بازنگری زمان‌بندی‌شده' : 'شاخص تولید' }));

async function calendarLocals(req: Request): Promise<Record<string, unknown>> {
  const viewer = viewerOf(req.user);
  const page = await calendarPage(viewer);
  return { title: 'تقویم انتشار', page, office: viewer.office, values: {}, errors: {}, moveOf: null, KIND_CHOICES, slotLabel, METADATA_KINDS };
}

/** A refused announcement or move: the calendar again, the move's form open on its announcement (FormError's locals.moveOf). */
const calendarView = formView('dissemination/calendar', calendarLocals);

async function showIcs(_req: Request, res: Response) {
  const page = await calendarPage(viewerOf(null));
  res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
  res.setHeader('Content-Disposition', 'inline; filename="release-calendar.ics"');
  res.setHeader('Cache-Control', 'public, max-age=300');
  res.send(calendarIcs(page, env.PUBLIC_URL));
}

async function createAnnouncement(req: Request, res: Response) {
  const parsed = parseForm(announceForm, req.body ?? {});
  if (!parsed.ok) throw new FormError(parsed.errors);
  const out = await announce(parsed.data, currentUser(req).id);
  if (!out.ok) throw new FormError(out.errors);
  flash(req, 'success', 'زمان انتشار اعلام شد و در تقویم عمومی دیده می‌شود.');
  res.redirect(303, `/stats/calendar#announcement-${out.announcement.id}`);
}

async function createMove(req: Request, res: Response) {
  const id = idParam(req);
  const parsed = parseForm(moveForm, req.body ?? {});
  if (!parsed.ok) throw new FormError(parsed.errors, { locals: { moveOf: id } });
  const out = await moveAnnouncement(id, parsed.data.releaseAt, parsed.data.reason, currentUser(req).id);
  if (!out) return res.status(404).render('error', { title: 'یافت نشد', message: 'این اعلام در تقویم یافت نشد.' });
  if (!out.ok) throw new FormError(out.errors, { locals: { moveOf: id } });
  flash(req, 'success', 'زمان انتشار جابه‌جا شد؛ زمان پیشین و دلیل آن در تقویم می‌ماند.');
  res.redirect(303, `/stats/calendar#announcement-${id}`);
}

async function showMetadata(req: Request, res: Response) {
  const kind = String(req.params.kind ?? '');
  if (!(METADATA_KINDS as readonly string[]).includes(kind)) return res.status(404).render('error', { title: 'یافت نشد', message: 'فراداده‌ای با این نام نیست.' });
  const page = await metadataPage(kind as MetadataKind, viewerOf(req.user));
  res.render('dissemination/metadata', { title: page.title, page, METADATA_KINDS, showFigures: ['stats_office', 'planning_deputy'].includes(req.user?.role ?? '') && !req.user?.role_pending });
}
