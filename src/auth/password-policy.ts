import { normalizeText } from '../text.ts';

// Issue 12 §6: besides a length of 10, a password may not be the account's email (or its local
// part), one character repeated, a run of consecutive characters, or one of the most common
// passwords (a short list shipped with the app; the ones that pass the length rule matter).
const COMMON = new Set([
  '1234567890', '0123456789', '12345678910', '123456789a', 'a123456789', '1q2w3e4r5t', '1q2w3e4r5t6y', 'q1w2e3r4t5',
  'qwertyuiop', 'qwertyuiop1', 'asdfghjkl1', 'zxcvbnm123', 'qwerty1234', 'qwerty12345', '1qaz2wsx3edc', 'zaq12wsx',
  'password12', 'password123', 'password1234', 'passw0rd123', 'p@ssw0rd123', 'p@ssword123', 'iloveyou12', 'iloveyou123',
  'administrator', 'admin12345', 'admin123456', 'adminadmin', 'welcome123', 'welcome1234', 'letmein123', 'changeme123',
  'football123', 'baseball123', 'sunshine123', 'princess123', 'dragon1234', 'monkey12345', 'superman123', 'trustno1234',
  'abc1234567', 'abcd123456', 'abcdef1234', 'aa12345678', 'a1b2c3d4e5', 'asdfasdfasdf', 'qazwsxedc123', 'qazwsxedcrfv',
  '1111111111', '0000000000', '9876543210', '0987654321', '1122334455', '1234512345', '123123123123', '1234567891',
  'iran123456', 'iran1234567', 'tehran1234', 'tehran123456', 'amar123456', 'samaneh123', 'ali1234567', 'mohammad123',
  'reza123456', 'zahra123456', 'fatemeh123', 'hossein123', 'password!1', 'password@123', 'qwerty@123', 'admin@123456',
]);

const SEQUENCES = ['01234567890', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی'];

function isRun(s: string): boolean {
  if (s.length < 3) return false;
  for (const seq of SEQUENCES) {
    const rev = [...seq].reverse().join('');
    if (seq.includes(s) || rev.includes(s)) return true;
  }
  // Consecutive code points of any script (۱۲۳۴…, abc…), ascending or descending.
  const cps = [...s].map((c) => c.codePointAt(0)!);
  const step = cps[1] - cps[0];
  return (step === 1 || step === -1) && cps.every((c, i) => i === 0 || c - cps[i - 1] === step);
}

/** A Persian reason why this password is refused, or null when it is acceptable. */
export function weakPasswordReason(password: string, email?: string | null): string | null {
  const p = normalizeText(password).toLowerCase();
  const chars = [...p];
  if (chars.length > 0 && chars.every((c) => c === chars[0])) return 'گذرواژه نباید یک نویسهٔ تکراری باشد.';
  if (isRun(p)) return 'گذرواژه نباید دنباله‌ای از نویسه‌های پشت سر هم باشد (مانند ۱۲۳۴۵۶۷۸۹۰ یا abcdefghij).';
  if (COMMON.has(p)) return 'این گذرواژه از رایج‌ترین گذرواژه‌هاست و به آسانی حدس زده می‌شود؛ گذرواژه دیگری برگزینید.';
  if (email) {
    const e = email.trim().toLowerCase();
    const local = e.split('@')[0];
    if (p === e || p.includes(e) || (local.length >= 4 && p.includes(local) && p.length - local.length < 4)) return 'گذرواژه نباید پست الکترونیکی شما یا بخشی از آن باشد.';
  }
  return null;
}
