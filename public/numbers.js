// Numbers as the filing form shows them: digits grouped while typing (Persian digits, ٬) and a
// Rial amount in words. Pure functions, one copy: the browser loads this file as a module
// (/assets/numbers.js) and the server imports it (src/text.ts re-exports it, test/numbers.test.ts).

const PERSIAN_ZERO = 0x06f0;
const ARABIC_INDIC_ZERO = 0x0660;

/**
 * Persian and Arabic-Indic digits → Latin; spaces, ZWNJ, LRM/RLM dropped; ٫ and / → '.'. A comma
 * (, ، or ٬) separates thousands only in groups of three (`12,500` → `12500`): anything else
 * (`12,5`, `1,2,3`) comes back with its commas, for the caller to refuse — a decimal comma read
 * as a separator would store 125 for 12.5 (issue 23 F10).
 */
export function plainNumber(s) {
  const t = String(s)
    .replace(/[\u06f0-\u06f9\u0660-\u0669]/g, (ch) => {
      const c = ch.charCodeAt(0);
      return String(c >= PERSIAN_ZERO ? c - PERSIAN_ZERO : c - ARABIC_INDIC_ZERO);
    })
    .replace(/[\u200c\u200e\u200f\s_]/g, '')
    .replace(/[\u066b/]/g, '.');
  if (!hasComma(t)) return t;
  return /^-?\d{1,3}([\u066c,\u060c]\d{3})+(\.\d*)?$/.test(t) ? t.replace(/[\u066c,\u060c]/g, '') : t;
}

/** True when `s` still holds a comma (, ، or ٬): what plainNumber leaves is a misplaced one. */
export function hasComma(s) {
  return /[\u066c,\u060c]/.test(String(s));
}

const toPersian = (s) => s.replace(/\d/g, (d) => String.fromCharCode(PERSIAN_ZERO + Number(d)));

/**
 * An amount as typed → the same amount with its digits grouped: `1200000` → `۱٬۲۰۰٬۰۰۰`,
 * `۱۲۳۴/۵` → `۱٬۲۳۴٫۵`. Anything that is not a plain non-negative number comes back untouched,
 * so the server can say what is wrong with it.
 */
export function groupDigits(s) {
  // Its own separator (٬) is regrouped freely while typing (a digit deleted from ۱٬۲۰۰ leaves ۱٬۲۰);
  // a comma the user typed is left for the server to judge.
  const plain = plainNumber(String(s).replace(/\u066c/g, ''));
  const m = /^(\d*)(\.(\d*))?$/.exec(plain);
  if (!m || (m[1] === '' && m[2] === undefined)) return String(s);
  const int = m[1].replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, '\u066c');
  return toPersian(int) + (m[2] === undefined ? '' : `\u066b${toPersian(m[3])}`);
}

/** How many digits come before position `caret` of `s` (to keep the caret in place after grouping). */
export function digitsBefore(s, caret) {
  return (String(s).slice(0, caret).match(/[0-9\u06f0-\u06f9\u0660-\u0669.\u066b/]/g) ?? []).length;
}

/** The position in grouped `s` just after its `n`th digit. */
export function caretAfterDigits(s, n) {
  if (n <= 0) return 0;
  let seen = 0;
  for (let i = 0; i < s.length; i++) {
    if (/[0-9\u06f0-\u06f9\u0660-\u0669.\u066b]/.test(s[i]) && ++seen === n) return i + 1;
  }
  return s.length;
}

const ONES = ['', 'یک', 'دو', 'سه', 'چهار', 'پنج', 'شش', 'هفت', 'هشت', 'نه'];
const TEENS = ['ده', 'یازده', 'دوازده', 'سیزده', 'چهارده', 'پانزده', 'شانزده', 'هفده', 'هجده', 'نوزده'];
const TENS = ['', '', 'بیست', 'سی', 'چهل', 'پنجاه', 'شصت', 'هفتاد', 'هشتاد', 'نود'];
const HUNDREDS = ['', 'صد', 'دویست', 'سیصد', 'چهارصد', 'پانصد', 'ششصد', 'هفتصد', 'هشتصد', 'نهصد'];
const SCALES = ['', 'هزار', 'میلیون', 'میلیارد', 'تریلیون', 'کوادریلیون'];

function belowThousand(n) {
  const parts = [];
  if (n >= 100) parts.push(HUNDREDS[Math.floor(n / 100)]);
  const r = n % 100;
  if (r >= 20) {
    parts.push(TENS[Math.floor(r / 10)]);
    if (r % 10) parts.push(ONES[r % 10]);
  } else if (r >= 10) parts.push(TEENS[r - 10]);
  else if (r > 0) parts.push(ONES[r]);
  return parts.join(' و ');
}

/** A whole number in Persian words: 1200000000 → «یک میلیارد و دویست میلیون»; null when it is not one. */
export function numberWords(value) {
  const plain = typeof value === 'number' ? (Number.isSafeInteger(value) && value >= 0 ? String(value) : '') : plainNumber(value);
  if (!/^\d+$/.test(plain)) return null;
  const digits = plain.replace(/^0+(?=\d)/, '');
  if (digits === '0') return 'صفر';
  const groups = [];
  for (let end = digits.length; end > 0; end -= 3) groups.unshift(Number(digits.slice(Math.max(0, end - 3), end)));
  if (groups.length > SCALES.length) return null;
  const parts = [];
  groups.forEach((g, i) => {
    if (g === 0) return;
    const scale = SCALES[groups.length - 1 - i];
    // «هزار و دویست», not «یک هزار»; but «یک میلیون», «یک میلیارد».
    const words = g === 1 && scale === 'هزار' ? '' : belowThousand(g);
    parts.push([words, scale].filter(Boolean).join(' '));
  });
  return parts.join(' و ');
}

/** A Rial amount in words, for under its field: «یک میلیارد و دویست میلیون ریال»; '' when it is not a whole number. */
export function rialWords(value) {
  const w = numberWords(value);
  return w === null ? '' : `${w} ریال`;
}
