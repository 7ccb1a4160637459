import type { Knex } from 'knex';
import { db } from '../db.ts';
import { parseReferencePeriod } from '../stats/releases/period.ts';
import { csvLine, type CsvValue } from '../export.ts';
import { canonicalDecimal, fa } from '../numbers.ts';
import { releaseVisibleSql, indexPublicationVisibleSql, type Viewer } from './embargo.ts';

// Issue 27 §2: SDMX for the releases and the index. There is no maintained SDMX writer on npm, so
// this is the small one needed: the data structure definitions, and data messages in SDMX-CSV 2.0
// and SDMX-JSON 2.0 (flat, every dimension at observation level). A suppressed observation carries
// no value, OBS_STATUS Q and CONF_STATUS C (it failed the rule itself) or D (hidden to protect
// another cell); a published one CONF_STATUS F, and OBS_STATUS P when it comes from a preliminary
// release. Reference periods are Jalali: TIME_PERIOD is an SDMX reporting period of a year that
// starts on 21 March (REPORTING_YEAR_START_DAY --03-21): Jalali 1404-07 is 2025-M07, 1404-Q2 is
// 2025-Q2, 1404 is 2025-A1.

export const AGENCY = 'IR_MIMT';
export const VERSION = '1.0.0';
export const REPORTING_YEAR_START_DAY = '--03-21';
export const SDMX_JSON_SCHEMA = 'https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json';
export const SDMX_CSV_TYPE = 'application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8';
export const SDMX_JSON_TYPE = 'application/vnd.sdmx.data+json; version=2.0.0; charset=utf-8';
export const SDMX_STRUCTURE_TYPE = 'application/vnd.sdmx.structure+json; version=2.0.0; charset=utf-8';

export type FlowId = 'PSP_RELEASE' | 'PSP_INDEX';

export interface Code { id: string; name: string }
export interface Component { id: string; name: string; codes: Code[] | null } // null: not coded (time)

export interface Flow { id: FlowId; name: string; dsd: string; dimensions: Component[]; attributes: Component[] }

const FREQ: Code[] = [{ id: 'M', name: 'ماهانه' }, { id: 'Q', name: 'فصلی' }, { id: 'A', name: 'سالانه' }];
const OBS_STATUS: Code[] = [{ id: 'A', name: 'عادی' }, { id: 'P', name: 'مقدماتی' }, { id: 'Q', name: 'منتشرنشده (محرمانه)' }];
const CONF_STATUS: Code[] = [{ id: 'F', name: 'آزاد برای انتشار' }, { id: 'C', name: 'محرمانه (اولیه)' }, { id: 'D', name: 'محرمانه (ثانویه)' }];

export const RELEASE_MEASURE_CODES: Record<string, string> = {
  production_value: 'PRODUCTION_VALUE', value_added: 'VALUE_ADDED', intermediate_consumption: 'INTERMEDIATE_CONSUMPTION',
  employees: 'EMPLOYEES', units: 'UNITS', quantity: 'QUANTITY', product_units: 'PRODUCING_UNITS',
};
const MEASURE_NAMES: Record<string, string> = {
  PRODUCTION_VALUE: 'ارزش تولید', VALUE_ADDED: 'ارزش افزوده', INTERMEDIATE_CONSUMPTION: 'مصرف واسطه', EMPLOYEES: 'شاغلان (میانگین ماهانه)',
  UNITS: 'تعداد واحدهای گزارش‌دهنده', QUANTITY: 'مقدار تولید', PRODUCING_UNITS: 'تعداد واحدهای تولیدکننده محصول', INDEX: 'شاخص تولید (سال پایه = ۱۰۰)',
};

/** The codes of a release's dimensions as SDMX ids: `T` → `_T`, `1050*` → `1050_OTH`, no product → `_Z`. */
export const activityId = (isic: string): string => (isic === 'T' ? '_T' : isic);
export const productId = (product: string | null): string => (product === null ? '_Z' : product.endsWith('*') ? `${product.slice(0, -1)}_OTH` : product);

/** Jalali period code → SDMX reporting period; and back. */
export function timePeriodOf(code: string): string {
  const p = parseReferencePeriod(code)!;
  const year = Number(code.slice(0, 4)) + 621;
  if (p.kind === 'month') return `${year}-M${code.slice(5, 7)}`;
  if (p.kind === 'quarter') return `${year}-Q${code.slice(-1)}`;
  return `${year}-A1`;
}

/** An SDMX reporting period (2025-M07, 2025-Q2, 2025-A1) or a Jalali code (1404-07, 1404-Q2, 1404) → the Jalali code, or null. */
export function jalaliPeriodOf(s: string): string | null {
  const m = /^(\d{4})-(M(0[1-9]|1[0-2])|Q([1-4])|A1)$/.exec(s);
  if (m) {
    const jy = Number(m[1]) - 621;
    return m[3] ? `${jy}-${m[3]}` : m[4] ? `${jy}-Q${m[4]}` : String(jy);
  }
  return parseReferencePeriod(s.toUpperCase())?.code ?? null;
}

export async function flows(k: Knex = db()): Promise<Flow[]> {
  const [provinces, isic, uoms] = await Promise.all([
    k('provinces').select('code', 'name').orderBy('code') as Promise<{ code: string; name: string }[]>,
    k('isic_codes').select('code', 'title_fa').orderBy('code') as Promise<{ code: string; title_fa: string }[]>,
    k('units_of_measure').select('code', 'name_fa').orderBy('code') as Promise<{ code: string; name_fa: string }[]>,
  ]);
  const area: Code[] = [{ id: 'IR', name: 'کل کشور' }, ...provinces.map((p) => ({ id: p.code, name: p.name }))];
  const activity: Code[] = [{ id: '_T', name: 'کل صنعت و معدن' }, ...isic.map((c) => ({ id: c.code, name: c.title_fa }))];
  const status = [{ id: 'OBS_STATUS', name: 'وضعیت مشاهده', codes: OBS_STATUS }, { id: 'CONF_STATUS', name: 'وضعیت محرمانگی', codes: CONF_STATUS }];
  return [
    {
      id: 'PSP_RELEASE', name: 'آمار تولید صنعت و معدن (انتشارها)', dsd: 'DSD_PSP_RELEASE',
      dimensions: [
        { id: 'FREQ', name: 'تناوب', codes: FREQ },
        { id: 'REF_AREA', name: 'منطقه', codes: area },
        { id: 'ACTIVITY', name: 'فعالیت (آیسیک ویرایش ۴)', codes: activity },
        { id: 'PRODUCT', name: 'محصول (کد فهرست ملی محصولات)', codes: null }, // the catalogue: thousands of codes, listed by /catalogue
        { id: 'MEASURE', name: 'سنجه', codes: Object.values(RELEASE_MEASURE_CODES).map((id) => ({ id, name: MEASURE_NAMES[id] })) },
        { id: 'UNIT_MEASURE', name: 'یکای اندازه‌گیری', codes: [{ id: 'IRR', name: 'ریال' }, { id: 'PS', name: 'نفر' }, { id: 'NUM', name: 'شمار' }, ...uoms.map((u) => ({ id: u.code, name: u.name_fa }))] },
        { id: 'UNIT_MULT', name: 'ضریب یکا', codes: [{ id: '0', name: 'یک' }] },
        { id: 'TIME_PERIOD', name: 'دوره زمانی', codes: null },
      ],
      attributes: status,
    },
    {
      id: 'PSP_INDEX', name: 'شاخص تولید صنعت و معدن', dsd: 'DSD_PSP_INDEX',
      dimensions: [
        { id: 'FREQ', name: 'تناوب', codes: [FREQ[0]] },
        { id: 'REF_AREA', name: 'منطقه', codes: [area[0]] },
        { id: 'ACTIVITY', name: 'فعالیت (آیسیک ویرایش ۴)', codes: activity },
        { id: 'MEASURE', name: 'سنجه', codes: [{ id: 'INDEX', name: MEASURE_NAMES.INDEX }] },
        { id: 'UNIT_MEASURE', name: 'یکای اندازه‌گیری', codes: [{ id: 'IX', name: 'عدد شاخص' }] },
        { id: 'UNIT_MULT', name: 'ضریب یکا', codes: [{ id: '0', name: 'یک' }] },
        { id: 'TIME_PERIOD', name: 'دوره زمانی', codes: null },
      ],
      attributes: status,
    },
  ];
}

export const FLOW_IDS: readonly FlowId[] = ['PSP_RELEASE', 'PSP_INDEX'];

/** One observation: its key values (dimension id → code, TIME_PERIOD included), value and flags. */
export interface Observation { key: Record<string, string>; value: bigint | string | null; obsStatus: 'A' | 'P' | 'Q'; confStatus: 'F' | 'C' | 'D' }

/** A parsed key: per dimension (in the flow's order, time excluded), the codes asked for, or null for any. */
export type KeyFilter = (string[] | null)[];

export class SdmxError extends Error {
  constructor(readonly status: number, readonly code: number, readonly title: string, message: string) { super(message); }
}

/** `M.IR+23.._Z.PRODUCTION_VALUE..` or `all` or `*` → the filter; a wrong number of parts is a syntax error. */
export function parseKey(key: string | undefined, flow: Flow): KeyFilter {
  const dims = flow.dimensions.filter((d) => d.id !== 'TIME_PERIOD');
  if (!key || key === 'all' || key === '*') return dims.map(() => null);
  const parts = key.split('.');
  if (parts.length !== dims.length) {
    throw new SdmxError(400, 140, 'Syntax error', `کلید باید ${fa(dims.length)} بخش جداشده با نقطه داشته باشد (${dims.map((d) => d.id).join('.')})؛ کلید فرستاده‌شده ${fa(parts.length)} بخش دارد.`);
  }
  return parts.map((p, i) => {
    if (p === '' || p === '*') return null;
    const codes = p.split('+');
    if (codes.some((c) => !/^[A-Za-z0-9_@$-]{1,20}$/.test(c))) throw new SdmxError(400, 140, 'Syntax error', `بخش ${dims[i].id} کلید کد معتبری نیست.`);
    const known = dims[i].codes;
    if (known && codes.every((c) => !known.some((k) => k.id === c))) throw new SdmxError(404, 100, 'No results found', `کد «${p}» در فهرست کدهای ${dims[i].id} نیست.`);
    return codes;
  });
}

const FREQ_OF = { month: 'M', quarter: 'Q', year: 'A' } as const;
const MAX_PERIODS = 12;

interface ChosenRelease { id: number; period: string; kind: 'month' | 'quarter' | 'year'; preliminary: boolean }

/**
 * The observations of `flow` for `key` between two Jalali periods: per reference period the
 * latest final release the viewer may see, else its latest preliminary one (OBS_STATUS P).
 */
export async function observations(flow: Flow, filter: KeyFilter, range: { start: string | null; end: string | null }, viewer: Viewer, k: Knex = db()): Promise<Observation[]> {
  const dims = flow.dimensions.filter((d) => d.id !== 'TIME_PERIOD').map((d) => d.id);
  const want = (dim: string) => filter[dims.indexOf(dim)];
  const ok = (dim: string, code: string) => { const w = want(dim); return w === null || w.includes(code); };
  const inRange = (code: string) => {
    const p = parseReferencePeriod(code)!;
    const first = p.months[0];
    const last = p.months[p.months.length - 1];
    return (!range.start || last >= monthStart(range.start)) && (!range.end || first <= monthEnd(range.end));
  };
  if (flow.id === 'PSP_INDEX') return indexObservations(ok, inRange, viewer, k);

  const rows = (await k.raw(
    `select distinct on (r.period) r.id, r.period, r.kind, r.preliminary from releases r
      where ${releaseVisibleSql(viewer, 'r')}
      order by r.period, r.preliminary, r.revision desc`,
  )).rows as ChosenRelease[];
  const chosen = rows.filter((r) => ok('FREQ', FREQ_OF[r.kind]) && inRange(r.period)).sort((a, b) => (a.period < b.period ? -1 : 1));
  if (chosen.length > MAX_PERIODS) throw new SdmxError(413, 413, 'Results too large', `این درخواست ${fa(chosen.length)} دوره را در بر می‌گیرد؛ هر درخواست حداکثر ${fa(MAX_PERIODS)} دوره. startPeriod و endPeriod را نزدیک‌تر کنید یا FREQ را در کلید بدهید.`);
  const out: Observation[] = [];
  const byId = new Map(chosen.map((r) => [r.id, r]));
  if (!chosen.length) return out;
  const ids = chosen.map((r) => r.id);
  const valueMeasures = Object.entries(RELEASE_MEASURE_CODES).filter(([m, code]) => !['quantity', 'product_units'].includes(m) && ok('MEASURE', code)).map(([m]) => m);
  if (ok('PRODUCT', '_Z') && valueMeasures.length && ok('UNIT_MULT', '0')) {
    const areas = want('REF_AREA');
    const acts = want('ACTIVITY')?.map((a) => (a === '_T' ? 'T' : a)) ?? null;
    const q = k('release_cells').whereIn('release_id', ids).where('space', 'values').whereIn('measure', valueMeasures)
      .select('release_id', 'geo', 'node as isic', 'measure', k.raw('value::text as value'), 'suppressed', 'primary').orderBy(['release_id', 'measure', 'geo', 'node']);
    if (areas) q.whereIn('geo', areas);
    if (acts) q.whereIn('node', acts);
    for (const c of (await q) as { release_id: number; geo: string; isic: string; measure: string; value: string | null; suppressed: boolean; primary: boolean | null }[]) {
      const r = byId.get(c.release_id)!;
      const unit = c.measure === 'employees' ? 'PS' : c.measure === 'units' ? 'NUM' : 'IRR';
      if (!ok('UNIT_MEASURE', unit)) continue;
      out.push(observation(r, { REF_AREA: c.geo, ACTIVITY: activityId(c.isic), PRODUCT: '_Z', MEASURE: RELEASE_MEASURE_CODES[c.measure], UNIT_MEASURE: unit, UNIT_MULT: '0' }, c.value === null ? null : BigInt(c.value), c.suppressed, c.primary));
    }
  }
  const productMeasures = (['quantity', 'units'] as const).filter((m) => ok('MEASURE', RELEASE_MEASURE_CODES[m === 'units' ? 'product_units' : m]));
  if (productMeasures.length && ok('UNIT_MULT', '0') && !(want('PRODUCT')?.length === 1 && want('PRODUCT')![0] === '_Z')) {
    const q = k('release_cells').whereIn('release_id', ids).where('space', 'products').whereIn('measure', [...productMeasures])
      .select('release_id', 'geo', k.raw(`split_part(node, '~', 1) as product`), k.raw(`split_part(node, '~', 2) as unit_of_measure_code`), 'measure', k.raw('value::text as value'), 'suppressed', 'primary')
      .orderByRaw(`release_id, measure, geo, split_part(node, '~', 1), split_part(node, '~', 2)`);
    const areas = want('REF_AREA');
    if (areas) q.whereIn('geo', areas);
    for (const c of (await q) as { release_id: number; geo: string; product: string; unit_of_measure_code: string; measure: 'quantity' | 'units'; value: string | null; suppressed: boolean; primary: boolean | null }[]) {
      const r = byId.get(c.release_id)!;
      const product = productId(c.product);
      const activity = c.product.replace(/^G/, '').slice(0, 4);
      const unit = c.measure === 'units' ? 'NUM' : c.unit_of_measure_code;
      if (!ok('PRODUCT', product) || !ok('ACTIVITY', activity) || !ok('UNIT_MEASURE', unit)) continue;
      const value = c.value === null ? null : c.measure === 'units' ? BigInt(c.value) : canonicalDecimal(c.value);
      out.push(observation(r, { REF_AREA: c.geo, ACTIVITY: activity, PRODUCT: product, MEASURE: RELEASE_MEASURE_CODES[c.measure === 'units' ? 'product_units' : 'quantity'], UNIT_MEASURE: unit, UNIT_MULT: '0' }, value, c.suppressed, c.primary));
    }
  }
  return out;
}

const monthStart = (code: string) => parseReferencePeriod(code)!.months[0];
const monthEnd = (code: string) => { const m = parseReferencePeriod(code)!.months; return m[m.length - 1]; };

function observation(r: ChosenRelease, dims: Record<string, string>, value: bigint | string | null, suppressed: boolean, primary: boolean | null): Observation {
  return {
    key: { FREQ: FREQ_OF[r.kind], ...dims, TIME_PERIOD: timePeriodOf(r.period) },
    value: suppressed ? null : value,
    obsStatus: suppressed ? 'Q' : r.preliminary ? 'P' : 'A',
    // Unknown (a cell stored before issue 27) is C, the general «confidential».
    confStatus: suppressed ? (primary === false ? 'D' : 'C') : 'F',
  };
}

async function indexObservations(ok: (dim: string, code: string) => boolean, inRange: (code: string) => boolean, viewer: Viewer, k: Knex): Promise<Observation[]> {
  if (!ok('FREQ', 'M') || !ok('REF_AREA', 'IR') || !ok('MEASURE', 'INDEX') || !ok('UNIT_MEASURE', 'IX') || !ok('UNIT_MULT', '0')) return [];
  const { rows } = (await k.raw(
    `select distinct on (i.period) i.period, i.computation_id from index_publications i
      where ${indexPublicationVisibleSql(viewer, 'i')} order by i.period, i.id desc`,
  )) as { rows: { period: string; computation_id: number }[] };
  const chosen = rows.filter((r) => inRange(r.period));
  if (chosen.length > 36) throw new SdmxError(413, 413, 'Results too large', 'هر درخواست شاخص حداکثر ۳۶ ماه؛ startPeriod و endPeriod را نزدیک‌تر کنید.');
  if (!chosen.length) return [];
  const cells = (await k('index_cells').whereIn('computation_id', chosen.map((c) => c.computation_id))
    .select('computation_id', 'node', 'suppressed', k.raw('case when suppressed then null else value::text end as value')).orderBy(['computation_id', 'node'])) as { computation_id: number; node: string; suppressed: boolean; value: string | null }[];
  const periodOf = new Map(chosen.map((c) => [c.computation_id, c.period]));
  return cells.filter((c) => ok('ACTIVITY', activityId(c.node))).map((c) => ({
    key: { FREQ: 'M', REF_AREA: 'IR', ACTIVITY: activityId(c.node), MEASURE: 'INDEX', UNIT_MEASURE: 'IX', UNIT_MULT: '0', TIME_PERIOD: timePeriodOf(periodOf.get(c.computation_id)!) },
    value: c.suppressed || c.value === null ? null : canonicalDecimal(c.value),
    obsStatus: c.suppressed ? 'Q' : 'A',
    // The index keeps no primary/secondary distinction: a suppressed index cell is C.
    confStatus: c.suppressed ? 'C' : 'F',
  }));
}

// ---------------------------------------------------------------- writers

export const structureUrn = (flow: Flow) => `urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=${AGENCY}:${flow.id}(${VERSION})`;

/** SDMX-CSV 2.0: STRUCTURE, STRUCTURE_ID, ACTION, the dimensions, OBS_VALUE, the attributes; RFC 4180, UTF-8. */
export function sdmxCsv(flow: Flow, obs: readonly Observation[]): string {
  const dims = flow.dimensions.map((d) => d.id);
  const header = ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', ...dims, 'OBS_VALUE', 'OBS_STATUS', 'CONF_STATUS', 'REPORTING_YEAR_START_DAY'];
  const id = `${AGENCY}:${flow.id}(${VERSION})`;
  const lines: CsvValue[][] = [header, ...obs.map((o): CsvValue[] => ['dataflow', id, 'I', ...dims.map((d) => o.key[d]), o.value, o.obsStatus, o.confStatus, REPORTING_YEAR_START_DAY])];
  return lines.map(csvLine).join('');
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const jsonValue = (v: bigint | string | null): number | string | null => {
  if (v === null) return null;
  if (typeof v === 'bigint') return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
  const n = Number(v);
  return String(n) === v ? n : v;
};

/** SDMX-JSON 2.0 data message: one structure, one data set, every dimension at observation level. */
export function sdmxJson(flow: Flow, obs: readonly Observation[], messageId: string, prepared: Date): unknown {
  const dims = flow.dimensions;
  // Each dimension lists only the codes that occur, in order of first appearance.
  const values = dims.map(() => new Map<string, number>());
  const names = dims.map((d) => new Map((d.codes ?? []).map((c) => [c.id, c.name])));
  const observations: Record<string, (number | string | null)[]> = {};
  const attrs = { OBS_STATUS: OBS_STATUS.map((c) => c.id), CONF_STATUS: CONF_STATUS.map((c) => c.id) };
  for (const o of obs) {
    const key = dims.map((d, i) => {
      const code = o.key[d.id];
      if (!values[i].has(code)) values[i].set(code, values[i].size);
      return values[i].get(code)!;
    }).join(':');
    observations[key] = [jsonValue(o.value), attrs.OBS_STATUS.indexOf(o.obsStatus), attrs.CONF_STATUS.indexOf(o.confStatus)];
  }
  const link = { rel: 'dataflow', urn: structureUrn(flow) };
  return {
    meta: { schema: SDMX_JSON_SCHEMA, id: messageId, test: false, prepared: prepared.toISOString(), contentLanguages: ['fa'], sender: { id: AGENCY, name: 'وزارت صنعت، معدن و تجارت — دفتر آمار و فرآوری داده‌ها' } },
    data: {
      structures: [{
        links: [link],
        name: flow.name,
        dimensions: {
          dataSet: [],
          series: [],
          observation: dims.map((d, i) => ({
            id: d.id, name: d.name, keyPosition: i, ...(d.id === 'TIME_PERIOD' ? { roles: ['TIME_PERIOD'] } : {}),
            values: [...values[i].keys()].map((code) => (d.id === 'TIME_PERIOD' ? { value: code } : { id: code, name: names[i].get(code) ?? code })),
          })),
        },
        measures: { observation: [{ id: 'OBS_VALUE', name: 'مقدار' }] },
        attributes: {
          dataSet: [],
          observation: flow.attributes.map((a) => ({ id: a.id, name: a.name, relationship: { observation: {} }, values: (a.codes ?? []).map((c) => ({ id: c.id, name: c.name })) })),
        },
        dataSets: [0],
      }],
      dataSets: [{ structure: 0, action: 'Information', links: [link], observations }],
    },
  };
}

/** The SDMX-JSON structure message of the flows and their DSDs (codelists inline). */
export function structureJson(list: readonly Flow[], what: 'dataflow' | 'datastructure', messageId: string, prepared: Date): unknown {
  const meta = { id: messageId, test: false, prepared: prepared.toISOString(), contentLanguages: ['fa'], sender: { id: AGENCY } };
  if (what === 'dataflow') {
    return { meta, data: { dataflows: list.map((f) => ({ id: f.id, agencyID: AGENCY, version: VERSION, name: f.name, structure: `urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=${AGENCY}:${f.dsd}(${VERSION})` })) } };
  }
  return {
    meta,
    data: {
      dataStructures: list.map((f) => ({
        id: f.dsd, agencyID: AGENCY, version: VERSION, name: f.name,
        dataStructureComponents: {
          dimensionList: {
            dimensions: f.dimensions.filter((d) => d.id !== 'TIME_PERIOD').map((d, i) => ({ id: d.id, name: d.name, position: i, ...(d.codes ? { localRepresentation: { enumeration: `urn:sdmx:org.sdmx.infomodel.codelist.Codelist=${AGENCY}:CL_${d.id}(${VERSION})` } } : { localRepresentation: { format: { dataType: 'String' } } }) })),
            timeDimensions: [{ id: 'TIME_PERIOD', name: 'دوره زمانی', position: f.dimensions.length - 1, localRepresentation: { format: { dataType: 'ReportingTimePeriod' } } }],
          },
          attributeList: {
            attributes: [
              ...f.attributes.map((a) => ({ id: a.id, name: a.name, usage: 'mandatory', attributeRelationship: { observation: {} }, localRepresentation: { enumeration: `urn:sdmx:org.sdmx.infomodel.codelist.Codelist=SDMX:CL_${a.id}(2.2)` } })),
              { id: 'REPORTING_YEAR_START_DAY', name: 'روز آغاز سال گزارش (سال شمسی)', usage: 'mandatory', attributeRelationship: { dataflow: {} }, localRepresentation: { format: { dataType: 'GregorianDay' } } },
            ],
          },
          measureList: { measures: [{ id: 'OBS_VALUE', name: 'مقدار', localRepresentation: { format: { dataType: 'Decimal' } } }] },
        },
      })),
      // One codelist per concept; the index's dimensions use subsets of the releases' lists.
      codelists: [...new Map([...list].reverse().flatMap((f) => f.dimensions.filter((d) => d.codes)).map((d) => [d.id, d] as const)).values()]
        .map((d) => ({ id: `CL_${d.id}`, agencyID: AGENCY, version: VERSION, name: d.name, codes: d.codes })),
    },
  };
}
