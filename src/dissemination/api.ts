import { Router, type Request, type Response } from 'express';
import crypto from 'node:crypto';
import { apiRole } from '../api/auth.ts';
import { auditFrom } from '../audit.ts';
import { heavy } from '../ops/heavy.ts';
import { viewerOf } from './embargo.ts';
import { calendarPage, calendarJson } from './schedule.ts';
import { flows, parseKey, observations, jalaliPeriodOf, sdmxCsv, sdmxJson, structureJson, SdmxError, AGENCY, VERSION, FLOW_IDS, SDMX_CSV_TYPE, SDMX_JSON_TYPE, SDMX_STRUCTURE_TYPE, type Flow } from './sdmx.ts';

// Issue 27: the release calendar as JSON, public like its page (mounted before the token check),
// and SDMX REST for the readers of releases: the statistics office, which also sees releases under
// embargo, and the planning deputy. Errors have the SDMX REST shape, with Persian text.

export function publicCalendarApiRouter(): Router {
  const router = Router();
  router.get('/stats/calendar', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(calendarJson(await calendarPage(viewerOf(null))));
  });
  return router;
}

export function sdmxApiRouter(): Router {
  const router = Router();
  const readers = apiRole('stats_office', 'planning_deputy');
  router.get('/sdmx/structure/dataflow', readers, structure('dataflow'));
  router.get('/sdmx/structure/dataflow/:agency/:id/:version', readers, structure('dataflow'));
  router.get('/sdmx/structure/datastructure', readers, structure('datastructure'));
  router.get('/sdmx/structure/datastructure/:agency/:id/:version', readers, structure('datastructure'));
  // SDMX REST 2.0 (/data/dataflow/AGENCY/FLOW/VERSION/KEY) and the short form (/data/FLOW/KEY, /data/FLOW).
  router.get('/sdmx/data/dataflow/:agency/:id/:version/:key', readers, heavy(data));
  router.get('/sdmx/data/:flow/:key', readers, heavy(data));
  router.get('/sdmx/data/:flow', readers, heavy(data));
  return router;
}

const TITLES_FA: Record<number, string> = {
  100: 'نتیجه‌ای یافت نشد', 140: 'خطای نحوی در درخواست', 150: 'درخواست معنایی نادرست', 406: 'قالب خواسته‌شده پشتیبانی نمی‌شود', 413: 'نتیجه بیش از حد بزرگ است', 500: 'خطای داخلی',
};

/** The SDMX REST error: the HTTP status and an SDMX-JSON message whose errors carry Persian text. */
export function sdmxError(res: Response, e: SdmxError): void {
  res.status(e.status).type('application/json').send(JSON.stringify({
    meta: { id: messageId(), test: false, prepared: new Date().toISOString(), contentLanguages: ['fa', 'en'], sender: { id: AGENCY } },
    errors: [{ code: e.code, title: TITLES_FA[e.code] ?? e.title, titles: { fa: TITLES_FA[e.code] ?? e.title, en: e.title }, detail: e.message, details: { fa: e.message } }],
  }));
}

const messageId = () => `PSP-${crypto.randomUUID()}`;

async function flowOf(agency: string | undefined, id: string, version: string | undefined): Promise<Flow> {
  const all = await flows();
  const found = all.find((f) => f.id === id || f.dsd === id);
  if (!found || (agency && agency !== AGENCY && agency !== '*' && agency !== 'all') || (version && version !== VERSION && version !== '*' && version !== '~' && version !== 'latest')) {
    // The request's own text is never echoed (it may be anything): the flows that exist are named instead.
    throw new SdmxError(404, 100, 'No results found', `چنین جریان داده‌ای وجود ندارد. جریان‌های موجود: ${FLOW_IDS.map((f) => `${AGENCY}:${f}(${VERSION})`).join('، ')}.`);
  }
  return found;
}

function structure(what: 'dataflow' | 'datastructure') {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const p = req.params as Record<string, string | undefined>;
      const list = p.id ? [await flowOf(p.agency, p.id, p.version)] : await flows();
      res.setHeader('Content-Type', SDMX_STRUCTURE_TYPE);
      res.send(JSON.stringify(structureJson(list, what, messageId(), new Date())));
    } catch (e) {
      if (e instanceof SdmxError) return sdmxError(res, e);
      throw e;
    }
  };
}

/** format= wins over Accept; JSON unless CSV is asked for; anything else is 406. */
export function negotiate(req: Request): 'csv' | 'json' {
  const format = typeof req.query.format === 'string' ? req.query.format.toLowerCase() : '';
  if (format) {
    if (['csv', 'sdmx-csv', 'csvfile'].includes(format)) return 'csv';
    if (['json', 'sdmx-json', 'jsondata'].includes(format)) return 'json';
    throw new SdmxError(406, 406, 'Not Acceptable', 'این قالب پشتیبانی نمی‌شود؛ format=csv (SDMX-CSV 2.0) یا format=json (SDMX-JSON 2.0).');
  }
  const accept = req.get('accept') ?? '';
  if (!accept || /\*\/\*|application\/(vnd\.sdmx\.data\+)?json/i.test(accept)) return 'json';
  if (/(application\/vnd\.sdmx\.data\+csv|text\/csv)/i.test(accept)) return 'csv';
  throw new SdmxError(406, 406, 'Not Acceptable', 'قالب خواسته‌شده در Accept پشتیبانی نمی‌شود؛ application/vnd.sdmx.data+csv;version=2.0.0 یا application/vnd.sdmx.data+json;version=2.0.0 را بخواهید.');
}

function periodParam(req: Request, name: 'startPeriod' | 'endPeriod'): string | null {
  const v = req.query[name];
  if (v === undefined || v === '') return null;
  const code = typeof v === 'string' ? jalaliPeriodOf(v) : null;
  if (!code) throw new SdmxError(400, 140, 'Syntax error', `${name} باید دوره‌ای مانند 2025-M07، 2025-Q2، 2025-A1 یا به شمسی 1404-07، 1404-Q2، 1404 باشد.`);
  return code;
}

async function data(req: Request, res: Response): Promise<void> {
  try {
    const format = negotiate(req);
    const param = (name: string): string | undefined => (typeof req.params[name] === 'string' ? (req.params[name] as string) : undefined);
    const short = param('flow')?.split(',');
    const flow = short
      ? await (short.length === 1 ? flowOf(undefined, short[0], undefined) : flowOf(short[0], short[1] ?? '', short[2]))
      : await flowOf(param('agency'), param('id') ?? '', param('version'));
    const filter = parseKey(param('key'), flow);
    const start = periodParam(req, 'startPeriod');
    const end = periodParam(req, 'endPeriod');
    if (start && end && start > end && start.slice(0, 4) >= end.slice(0, 4)) throw new SdmxError(400, 140, 'Syntax error', 'startPeriod پس از endPeriod است.');
    const viewer = viewerOf(req.user);
    const obs = await observations(flow, filter, { start, end }, viewer);
    // A period under embargo is answered like one that does not exist.
    if (!obs.length) throw new SdmxError(404, 100, 'No results found', 'برای این کلید و بازه هیچ مشاهده منتشرشده‌ای نیست.');
    await auditFrom(req, { action: 'stats.sdmx', target: `sdmx:${flow.id}`, details: { key: param('key') ?? 'all', start, end, format, observations: obs.length } });
    if (format === 'csv') {
      res.setHeader('Content-Type', SDMX_CSV_TYPE);
      res.setHeader('Content-Disposition', `attachment; filename="${flow.id}.csv"`);
      return void res.send(sdmxCsv(flow, obs));
    }
    res.setHeader('Content-Type', SDMX_JSON_TYPE);
    res.send(JSON.stringify(sdmxJson(flow, obs, messageId(), new Date())));
  } catch (e) {
    if (e instanceof SdmxError) return sdmxError(res, e);
    throw e;
  }
}
