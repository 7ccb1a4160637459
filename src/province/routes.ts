import { Router, type Request, type Response } from 'express';
import { requireRole, officerProvince } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { db } from '../db.ts';
import { loadSettings } from '../settings.ts';
import { latestDuePeriod, gregorianIsoToJalali, jalaliDateText } from '../calendar.ts';
import { pageNumber, pageLink } from '../paging.ts';
import { str } from '../forms.ts';
import { registrationDetail } from '../units/approvals.ts';
import { unitPeriods } from '../filings/model.ts';
import { FILING_STATE_LABELS as STATE_LABELS, TIMELINESS_LABELS } from '../glossary.ts';
import { provinceUnits, UNIT_FILTERS, UNITS_PAGE_SIZE, type UnitFilter } from './model.ts';

// The province office's units: the list an officer works through, and one unit's page.

async function list(req: Request, res: Response): Promise<void> {
  const province = officerProvince(req);
  const q = str(req.query.q, 100);
  const f = str(req.query.filter);
  const filter = f in UNIT_FILTERS ? (f as UnitFilter) : null;
  const asked = pageNumber(req.query.page);
  const settings = await loadSettings();
  const due = latestDuePeriod(new Date(), settings.rules);
  const first = await provinceUnits(province, { q, filter, due, page: asked });
  const pages = Math.max(1, Math.ceil(first.total / UNITS_PAGE_SIZE));
  // Past the last page: the last page, never an empty list that hides what exists.
  const page = Math.min(asked, pages);
  const { rows, total } = page === asked ? first : await provinceUnits(province, { q, filter, due, page });
  const name = await db()('provinces').where({ code: province }).first('name');
  const pageHref = pageLink('/province/units', { q, filter });
  res.render('province/units', { title: 'واحدهای استان', provinceName: name?.name ?? '', rows, total, page, pages, pageHref, q, filter, due, UNIT_FILTERS });
}

async function show(req: Request, res: Response): Promise<void> {
  const raw = String(req.params.id ?? '');
  if (!/^\d{1,9}$/.test(raw)) throw new NotFoundError();
  const unit = await registrationDetail(Number(raw), officerProvince(req));
  if (!unit) throw new NotFoundError();
  const settings = await loadSettings();
  const periods = unit.registration === 'approved' ? (await unitPeriods(unit, new Date(), settings.rules)).slice(0, 12) : [];
  res.render('province/unit', {
    title: unit.entity_name,
    unit,
    periods,
    STATE_LABELS,
    TIMELINESS_LABELS,
    licenceDate: (iso: string) => jalaliDateText(gregorianIsoToJalali(iso)),
  });
}

export function provinceUnitsRouter(): Router {
  const router = Router();
  const officer = requireRole('province_officer');
  router.get('/province/units', officer, list);
  router.get('/province/units/:id', officer, show);
  return router;
}
