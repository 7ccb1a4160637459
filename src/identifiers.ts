// Iranian identifiers with check digits (REFERENCE "Identifiers").

/** کد ملی: 10 digits, mod-11 check digit, not all the same digit. */
export function isValidNationalCode(code: string): boolean {
  if (!/^\d{10}$/.test(code)) return false;
  if (/^(\d)\1{9}$/.test(code)) return false;
  const d = [...code].map(Number);
  let s = 0;
  for (let i = 0; i < 9; i++) s += d[i] * (10 - i);
  const r = s % 11;
  return r < 2 ? d[9] === r : d[9] === 11 - r;
}

const LEGAL_WEIGHTS = [29, 27, 23, 19, 17];

/** شناسه ملی: 11 digits, check digit from weights [29,27,23,19,17] offset by d₉+2. */
export function isValidLegalEntityId(id: string): boolean {
  if (!/^\d{11}$/.test(id)) return false;
  if (/^\d{3}0{6}/.test(id)) return false;
  const d = [...id].map(Number);
  const offset = d[9] + 2;
  let s = 0;
  for (let i = 0; i < 10; i++) s += (offset + d[i]) * LEGAL_WEIGHTS[i % 5];
  let r = s % 11;
  if (r === 10) r = 0;
  return r === d[10];
}

export function isValidPostalCode(code: string): boolean {
  return /^\d{10}$/.test(code);
}
