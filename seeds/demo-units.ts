// The demo register: several hundred fictional units across all 31 provinces, each with a valid
// شناسه ملی, a licence, products and a contact with a valid کد ملی. Pure: no database here; the
// same seed and the same `now` give the same register.
import {
  type Period, type ObligationSettings, type JalaliDate, addMonths, splitPeriod, monthLength, obligationStart,
  jalaliToGregorianIso, startOfJalaliDay,
} from '../src/calendar.ts';
import { isValidLegalEntityId, isValidNationalCode } from '../src/identifiers.ts';
import { persianDigits } from '../src/text.ts';
import {
  ACTIVITIES, type ActivitySpec, type Season, BRAND_WORDS, COUNTED_UOMS, FIRST_NAMES, INDUSTRIAL_WEIGHTS, LAST_NAMES,
  LEGAL_FORMS, MINING_WEIGHTS, PROVINCE_PLACES, STREETS,
} from './data/demo-names.ts';

// ── A small seeded PRNG (mulberry32): the demo must look the same on every fresh start. ────────
export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  between(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(items: readonly T[], weight: (t: T) => number): T;
  normal(): number;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (items, weight) => {
      const total = items.reduce((s, it) => s + weight(it), 0);
      let r = next() * total;
      for (const it of items) {
        r -= weight(it);
        if (r < 0) return it;
      }
      return items[items.length - 1];
    },
    normal: () => {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
  return rng;
}

// ── Identifiers with check digits (REFERENCE "Identifiers"). ───────────────────────────────────
const LEGAL_WEIGHTS = [29, 27, 23, 19, 17];

/** Completes 10 digits into a valid 11-digit شناسه ملی. */
export function withLegalCheckDigit(body: string): string {
  const d = [...body].map(Number);
  const offset = d[9] + 2;
  let s = 0;
  for (let i = 0; i < 10; i++) s += (offset + d[i]) * LEGAL_WEIGHTS[i % 5];
  const r = s % 11;
  return body + String(r === 10 ? 0 : r);
}

/** Completes 9 digits into a valid 10-digit کد ملی. */
export function withNationalCheckDigit(body: string): string {
  let s = 0;
  for (let i = 0; i < 9; i++) s += Number(body[i]) * (10 - i);
  const r = s % 11;
  return body + String(r < 2 ? r : 11 - r);
}

const digits = (rng: Rng, n: number): string => Array.from({ length: n }, () => rng.int(0, 9)).join('');

function legalEntityId(rng: Rng, taken: Set<string>): string {
  for (;;) {
    // Older companies carry 1010…, those registered since 1390 carry 1400…/1403…
    const body = rng.pick(['101', '101', '102', '103', '140', '140']) + digits(rng, 7);
    const id = withLegalCheckDigit(body);
    if (!taken.has(id) && isValidLegalEntityId(id)) { taken.add(id); return id; }
  }
}

function nationalCode(rng: Rng): string {
  for (;;) {
    const code = withNationalCheckDigit(String(rng.int(1, 999)).padStart(3, '0') + digits(rng, 6));
    if (isValidNationalCode(code)) return code;
  }
}

/** Iranian postal codes avoid 0 and 2 in their first five digits. */
function postalCode(rng: Rng, first: string): string {
  const safe = ['1', '3', '4', '5', '6', '7', '8', '9'];
  return first + Array.from({ length: 4 }, () => rng.pick(safe)).join('') + digits(rng, 5);
}

// ── The plan of one unit. ───────────────────────────────────────────────────────────────────
export type Profile = 'steady' | 'good' | 'sloppy' | 'lapsing';

export interface PlannedProduct { name: string; unit_of_measure: string; annual_capacity: number; position: number; price: number; counted: boolean }

export interface PlannedUnit {
  index: number;
  national_id: string;
  entity_name: string;
  licence_no: string;
  licence_issued_on: string; // Gregorian ISO date (the column is a date)
  kind: 'industrial' | 'mining';
  isic_class: string;
  province_code: string;
  city: string;
  address: string;
  postal_code: string;
  phone: string;
  contact_name: string;
  contact_national_code: string;
  email: string;
  previously_announced: boolean;
  obligation_start: Period;
  registration: 'pending' | 'approved' | 'rejected';
  rejection_reason: string | null;
  source: 'site' | 'import';
  created_at: Date;
  reviewed_at: Date | null;
  products: PlannedProduct[];
  season: Season;
  staff: number;
  profile: Profile;
  /** For lapsing units: how many of the latest due periods are missing. */
  lapse: number;
  /** The two units behind the demo accounts get a scripted history. */
  demo: 'unit' | 'mine' | null;
}

export interface RegisterOptions { now: Date; current: Period; obligation: ObligationSettings; approved: number }

const DAY = 86_400_000;

function randomDay(rng: Rng, p: Period): JalaliDate {
  const { jy, jm } = splitPeriod(p);
  return { jy, jm, jd: rng.int(1, monthLength(jy, jm)) };
}

/** Largest-remainder apportionment of `total` over weights, every key at least `min`. */
export function apportion(weights: Record<string, number>, total: number, min: number): Map<string, number> {
  const keys = Object.keys(weights).sort();
  const rest = total - min * keys.length;
  const sum = keys.reduce((s, k) => s + weights[k], 0);
  const exact = keys.map((k) => ({ k, x: (weights[k] / sum) * rest }));
  const out = new Map(exact.map(({ k, x }) => [k, min + Math.floor(x)]));
  let left = total - [...out.values()].reduce((s, n) => s + n, 0);
  for (const { k } of [...exact].sort((a, b) => (b.x % 1) - (a.x % 1) || a.k.localeCompare(b.k))) {
    if (left-- <= 0) break;
    out.set(k, out.get(k)! + 1);
  }
  return out;
}

function activityFor(rng: Rng, kind: 'industrial' | 'mining', province: string): ActivitySpec {
  const candidates = ACTIVITIES.filter((a) => a.kind === kind && (kind === 'industrial' || !a.provinces || a.provinces.includes(province)));
  return rng.weighted(candidates, (a) => a.weight * (a.provinces ? (a.provinces.includes(province) ? 3 : 0.35) : 1));
}

export function roundQuantity(x: number, counted: boolean): number {
  if (counted || x >= 1000) return Math.round(x);
  return Math.round(x * 10) / 10;
}

function productsFor(rng: Rng, a: ActivitySpec, size: number, wanted?: string[]): PlannedProduct[] {
  const pool = wanted ? a.products.filter((p) => wanted.includes(p.name)) : [...a.products];
  let chosen: typeof pool;
  if (wanted) chosen = pool;
  else {
    const n = Math.min(pool.length, rng.weighted([1, 2, 3, 4, 5], (k) => [3, 4, 3, 1.5, 0.7][k - 1]));
    chosen = [];
    const left = [...pool];
    for (let i = 0; i < n; i++) chosen.push(left.splice(i === 0 ? 0 : rng.int(0, left.length - 1), 1)[0]);
  }
  return chosen.map((p, i) => {
    const [lo, hi] = p.cap;
    const share = i === 0 ? 1 : rng.between(0.25, 0.7);
    const raw = lo * Math.pow(hi / lo, size) * rng.between(0.85, 1.15) * share;
    // Licences state round capacities.
    const magnitude = Math.pow(10, Math.max(0, Math.floor(Math.log10(raw)) - 1));
    const counted = COUNTED_UOMS.has(p.uom);
    return {
      name: p.name, unit_of_measure: p.uom, annual_capacity: Math.max(magnitude, Math.round(raw / magnitude) * magnitude),
      position: i, price: Math.round(p.price * rng.between(0.85, 1.15)), counted,
    };
  });
}

function personName(rng: Rng): string {
  return `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
}

function entityName(rng: Rng, a: ActivitySpec, city: string): string {
  const brand = rng.pick(BRAND_WORDS);
  const form = rng.weighted(LEGAL_FORMS, (f) => f.weight).text;
  const prefix = a.kind === 'industrial' && rng.chance(0.25) ? 'شرکت تولیدی ' : 'شرکت ';
  const place = rng.chance(0.6) ? ` ${city}` : '';
  return `${prefix}${a.word} ${brand}${place} ${form}`;
}

function address(rng: Rng, kind: 'industrial' | 'mining', province: string, city: string): string {
  const fa = persianDigits;
  if (kind === 'mining') {
    const other = rng.pick(PROVINCE_PLACES[province].cities.filter((c) => c !== city)) ?? city;
    return `${city}، کیلومتر ${fa(rng.int(5, 90))} جاده ${city} به ${other}، محدوده معدن`;
  }
  const estate = rng.chance(0.7) ? `شهرک صنعتی ${city}` : `ناحیه صنعتی ${rng.pick(BRAND_WORDS)}`;
  return `${city}، ${estate}، ${rng.pick(STREETS)}، پلاک ${fa(rng.int(1, 240))}`;
}

function phone(rng: Rng, province: string): string {
  const area = PROVINCE_PLACES[province].area;
  const lead = province === '23' ? String(rng.pick([3, 4, 5, 6, 7, 8])) : '3';
  return area + lead + digits(rng, 7);
}

/** A licence issued in a random day of a period between `from` and `to`. */
function licenceBetween(rng: Rng, from: Period, to: Period): JalaliDate {
  const span = Math.max(0, monthsOf(to) - monthsOf(from));
  return randomDay(rng, addMonths(from, rng.int(0, span)));
}

const monthsOf = (p: Period): number => { const { jy, jm } = splitPeriod(p); return jy * 12 + jm; };

const PROFILE_WEIGHTS: readonly [Profile, number][] = [['steady', 0.55], ['good', 0.25], ['sloppy', 0.14], ['lapsing', 0.06]];

const REJECTION_REASON = 'شماره پروانه بهره‌برداری واردشده با پروانه صادرشده برای این شناسه ملی مطابقت ندارد؛ لطفاً با شماره درست پروانه دوباره ثبت‌نام کنید.';

/** Provinces that receive the pending registrations (the demo officers of Tehran and Isfahan have several). */
const PENDING_PROVINCES = ['23', '23', '23', '10', '10', '09', '03', '07', '21', '08', '30', '26'];

/**
 * The demo register. Units 0 and 1 are the demo accounts' units (a Tehran dairy, a Kerman iron
 * ore mine); then the approved units apportioned over the provinces; then a dozen pending site
 * registrations and one rejected.
 */
export function planRegister(rng: Rng, o: RegisterOptions): PlannedUnit[] {
  const taken = new Set<string>();
  const units: PlannedUnit[] = [];
  const { systemStart } = o.obligation;
  const toDate = (d: JalaliDate): string => jalaliToGregorianIso(d);
  const entities: { national_id: string; name: string; isic: string; demo: boolean }[] = [];

  const build = (kind: 'industrial' | 'mining', province: string, extra: Partial<PlannedUnit> & { activity?: ActivitySpec; productNames?: string[]; size?: number } = {}): PlannedUnit => {
    const a = extra.activity ?? activityFor(rng, kind, province);
    const place = PROVINCE_PLACES[province];
    const city = extra.city ?? (rng.chance(0.45) ? place.cities[0] : rng.pick(place.cities));
    const size = extra.size ?? Math.pow(rng.next(), 1.4);
    const registration = extra.registration ?? 'approved';

    // Licence: most units are long established; some newer ones start filing after the system start.
    let issued: JalaliDate;
    let previouslyAnnounced = false;
    const roll = rng.next();
    if (registration !== 'approved') issued = licenceBetween(rng, addMonths(o.current, -14), addMonths(o.current, -1));
    else if (roll < 0.13 && !extra.demo) issued = licenceBetween(rng, addMonths(systemStart, -2), addMonths(o.current, -2));
    else {
      issued = licenceBetween(rng, '1378-01', addMonths(systemStart, -4));
      previouslyAnnounced = issued.jy < 1388 && rng.chance(0.6);
    }
    const obligation = obligationStart(issued, previouslyAnnounced, o.obligation);
    const source: 'site' | 'import' = registration !== 'approved' ? 'site' : (obligation > systemStart || rng.chance(0.25) ? 'site' : 'import');

    // Site registrations arrive when the licence is fresh; the register was imported before the start.
    const startInstant = startOfJalaliDay({ ...splitPeriod(systemStart), jd: 1 });
    let created: Date;
    if (registration === 'pending') created = new Date(o.now.getTime() - rng.between(0.3, 9) * DAY);
    else if (registration === 'rejected') created = new Date(o.now.getTime() - rng.between(10, 30) * DAY);
    else if (source === 'import') created = new Date(startInstant.getTime() - rng.between(20, 40) * DAY);
    else {
      const afterLicence = startOfJalaliDay(issued).getTime() + rng.between(5, 40) * DAY;
      created = new Date(Math.min(o.now.getTime() - 20 * DAY, Math.max(afterLicence, startInstant.getTime() - 300 * DAY)));
    }
    const reviewed = registration === 'pending' ? null : new Date(Math.min(o.now.getTime() - DAY, created.getTime() + rng.between(0.5, 5) * DAY));

    let national = '';
    let name = '';
    const sibling = !extra.demo && registration === 'approved' && rng.chance(0.03) ? entities.find((e) => e.isic === a.isic && !e.demo) : undefined;
    if (sibling) { national = sibling.national_id; name = sibling.name; }
    else {
      national = legalEntityId(rng, taken);
      name = extra.entity_name ?? entityName(rng, a, city);
      entities.push({ national_id: national, name, isic: a.isic, demo: Boolean(extra.demo) });
    }
    let licenceNo = `${rng.int(100, 999)}/${rng.int(10000, 99999)}`;
    while (taken.has(`${national}|${licenceNo}`)) licenceNo = `${rng.int(100, 999)}/${rng.int(10000, 99999)}`;
    taken.add(`${national}|${licenceNo}`);
    const profile = extra.profile ?? rng.weighted(PROFILE_WEIGHTS, ([, w]) => w)[0];
    const unit: PlannedUnit = {
      index: units.length,
      national_id: national,
      entity_name: name,
      licence_no: licenceNo,
      licence_issued_on: toDate(issued),
      kind: a.kind,
      isic_class: a.isic,
      province_code: province,
      city,
      address: address(rng, a.kind, province, city),
      postal_code: postalCode(rng, place.postal),
      phone: phone(rng, province),
      contact_name: personName(rng),
      contact_national_code: nationalCode(rng),
      email: extra.email ?? `unit-${String(units.length).padStart(3, '0')}@demo.ir`,
      previously_announced: previouslyAnnounced,
      obligation_start: obligation,
      registration,
      rejection_reason: registration === 'rejected' ? REJECTION_REASON : null,
      source,
      created_at: created,
      reviewed_at: reviewed,
      products: productsFor(rng, a, size, extra.productNames),
      season: a.season,
      staff: Math.max(10, Math.min(800, Math.round(a.staff[0] * Math.pow(a.staff[1] / a.staff[0], size) * rng.between(0.85, 1.15)))),
      // Units whose obligation starts late cannot have lapsed for long: keep them ordinary.
      profile: profile === 'lapsing' && obligation > addMonths(systemStart, 2) ? 'good' : profile,
      lapse: 0,
      demo: extra.demo ?? null,
    };
    if (unit.profile === 'lapsing') unit.lapse = rng.weighted([3, 4, 5, 6, 8], (k) => (k === 3 ? 3 : 1));
    units.push(unit);
    return unit;
  };

  const dairy = ACTIVITIES.find((a) => a.isic === '1050')!;
  const ironOre = ACTIVITIES.find((a) => a.isic === '0710')!;
  build('industrial', '23', {
    activity: dairy, demo: 'unit', profile: 'steady', email: 'unit@demo.ir', city: 'شهریار', size: 0.55,
    entity_name: 'شرکت صنایع لبنی سپیده‌دم تهران (سهامی خاص)', productNames: ['شیر پاستوریزه', 'ماست', 'پنیر', 'دوغ'],
  });
  build('mining', '08', {
    activity: ironOre, demo: 'mine', profile: 'steady', email: 'mine@demo.ir', city: 'زرند', size: 0.5,
    entity_name: 'شرکت معدن سنگ آهن کوه‌سرخ زرند (سهامی خاص)', productNames: ['سنگ آهن خام', 'سنگ آهن دانه‌بندی'],
  });

  const mining = Math.round(o.approved * 0.18);
  const industrial = o.approved - mining - 2;
  for (const [province, n] of apportion(INDUSTRIAL_WEIGHTS, industrial, 2)) for (let i = 0; i < n; i++) build('industrial', province);
  for (const [province, n] of apportion(MINING_WEIGHTS, mining, 0)) for (let i = 0; i < n; i++) build('mining', province);
  for (const province of PENDING_PROVINCES) build(rng.chance(0.8) ? 'industrial' : 'mining', province, { registration: 'pending' });
  build('industrial', '23', { registration: 'rejected' });
  return units;
}

/** Monthly figures of a product: 50–90 % of the licence's monthly capacity, with the season and some noise. */
export function monthlyQuantity(rng: Rng, p: PlannedProduct, utilisation: number, season: Season, period: Period, seasonFactors: Record<Season, readonly number[]>): number {
  const { jm } = splitPeriod(period);
  const monthly = p.annual_capacity / 12;
  const x = monthly * utilisation * seasonFactors[season][jm - 1] * (1 + 0.06 * rng.normal());
  return roundQuantity(Math.min(1.4 * monthly, Math.max(0.15 * monthly, x)), p.counted);
}
