// Exact quantities (issue 15): a quantity declared in a product's own unit of measure is converted
// to its catalogue code's standard unit by the two units' factors to their dimension's base unit.
// Decimal strings in, decimal strings out, BigInt inside: 0.1 kg + 2 t is 2000.1 kg, never
// 2000.1000000000001. Quantities are stored as numeric(18,3) and factors as numeric(30,12), so a
// conversion of one into another is a fraction whose decimal expansion may not end (1 of a unit
// with factor 3 in a unit with factor 7); those are rounded half away from zero at SCALE digits.

export const SCALE = 12;

export interface MeasureUnit { code: string; name_fa: string; dimension: string; factor: string | number }

/** A refusal the caller shows as it is (Persian). */
export class ConversionError extends Error {}

interface Fraction { n: bigint; d: bigint }

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** `"12.5"` → 125/10; a number is read through its shortest decimal text. */
export function parseDecimal(v: string | number): Fraction {
  const s = typeof v === 'number' ? numberText(v) : v.trim();
  const m = DECIMAL.exec(s);
  if (!m) throw new ConversionError(`مقدار «${s}» عدد نیست.`);
  const frac = m[3] ?? '';
  const n = BigInt(m[2] + frac) * (m[1] ? -1n : 1n);
  return { n, d: 10n ** BigInt(frac.length) };
}

function numberText(v: number): string {
  if (!Number.isFinite(v)) throw new ConversionError('مقدار عدد متناهی نیست.');
  // Shortest round-trip text, without exponent (1e21 and 1e-7 spelled out).
  const s = String(v);
  if (!/e/i.test(s)) return s;
  return v.toFixed(20).replace(/\.?0+$/, '');
}

const gcd = (a: bigint, b: bigint): bigint => { a = a < 0n ? -a : a; while (b) [a, b] = [b, a % b]; return a; };
const reduce = (f: Fraction): Fraction => { const g = gcd(f.n, f.d) || 1n; return { n: f.n / g, d: f.d / g }; };
const add = (a: Fraction, b: Fraction): Fraction => reduce({ n: a.n * b.d + b.n * a.d, d: a.d * b.d });
const mul = (a: Fraction, b: Fraction): Fraction => reduce({ n: a.n * b.n, d: a.d * b.d });
const div = (a: Fraction, b: Fraction): Fraction => reduce({ n: a.n * b.d, d: a.d * b.n });

/** A fraction as a decimal string: exact when it ends within SCALE digits, rounded otherwise. */
export function decimalText(f: Fraction, scale = SCALE): string {
  const neg = f.n < 0n;
  const n = neg ? -f.n : f.n;
  const unit = 10n ** BigInt(scale);
  let scaled = (n * unit) / f.d;
  if (((n * unit) % f.d) * 2n >= f.d) scaled += 1n;
  const int = scaled / unit;
  const frac = (scaled % unit).toString().padStart(scale, '0').replace(/0+$/, '');
  const text = frac ? `${int}.${frac}` : `${int}`;
  return neg && text !== '0' ? `-${text}` : text;
}

function sameDimension(from: MeasureUnit, to: MeasureUnit): void {
  if (from.dimension !== to.dimension) {
    throw new ConversionError(`«${from.name_fa}» و «${to.name_fa}» از یک جنس نیستند (${DIMENSION_NAMES[from.dimension] ?? from.dimension} و ${DIMENSION_NAMES[to.dimension] ?? to.dimension}) و به یکدیگر تبدیل نمی‌شوند.`);
  }
}

export const DIMENSION_NAMES: Record<string, string> = {
  mass: 'جرم', volume: 'حجم', area: 'مساحت', length: 'طول', count: 'تعداد', pair: 'جفت', set: 'دست', energy: 'انرژی',
};

/** A quantity in `from` expressed in `to` (same dimension only). */
export function convertQuantity(quantity: string | number, from: MeasureUnit, to: MeasureUnit): string {
  sameDimension(from, to);
  return decimalText(div(mul(parseDecimal(quantity), parseDecimal(from.factor)), parseDecimal(to.factor)));
}

/** The exact sum of quantities declared in various units, in `to`; any unit of another dimension refuses the whole sum. */
export function sumQuantities(items: { quantity: string | number; unit: MeasureUnit }[], to: MeasureUnit): string {
  let total: Fraction = { n: 0n, d: 1n };
  for (const it of items) {
    sameDimension(it.unit, to);
    total = add(total, mul(parseDecimal(it.quantity), parseDecimal(it.unit.factor)));
  }
  return decimalText(div(total, parseDecimal(to.factor)));
}
