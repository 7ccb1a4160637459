import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { ACTION_LABELS, actionLabel, ISIC_LEVEL_LABELS } from '../src/glossary.ts';

// Text the UI shows, checked in the templates themselves (issue 14).

const root = path.resolve(import.meta.dirname, '..');
function filesUnder(dir: string, ext: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => path.join(e.parentPath, e.name));
}
const views = filesUnder('views', '.ejs');
const sources = filesUnder('src', '.ts');
const read = (f: string) => fs.readFileSync(f, 'utf8');

describe('the words and signs of the UI', () => {
  it('no "·" separator in any view: beside Persian digits it reads as ۰', () => {
    const offenders = views.filter((f) => fs.readFileSync(f, 'utf8').includes('·')).map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });

  it('one spelling: «به‌موقع» and the adjective «ثبت‌نشده» with their half-spaces', () => {
    const offenders: string[] = [];
    for (const f of [...views, ...sources]) {
      const text = read(f);
      if (/به موقع|بموقع/.test(text)) offenders.push(`${path.relative(root, f)}: به موقع`);
      // «ثبت نشده است» is a verb and keeps its space; the state is «ثبت‌نشده».
      if (/ثبت نشده(?! است| بود)/.test(text)) offenders.push(`${path.relative(root, f)}: ثبت نشده`);
    }
    expect(offenders).toEqual([]);
  });

  it('ISIC levels are بخش/قسمت/گروه/طبقه: a two-digit code is a «قسمت»', () => {
    expect(Object.values(ISIC_LEVEL_LABELS)).toEqual(['بخش', 'قسمت', 'گروه', 'طبقه']);
    const offenders = [...views, ...sources].filter((f) => /بخش[^\n]{0,25}[(]دو رقم[)]|بخش‌های [۰-۹]{2} تا|بخش <%= faDigits\(d\.code\)/.test(read(f)));
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });

  it('every action the code writes to the audit log has a Persian label', () => {
    const written = new Set<string>();
    for (const f of sources) {
      for (const m of read(f).matchAll(/action: ([^,}]+)/g)) {
        for (const code of m[1].matchAll(/'([a-z_]+\.[a-z_]+)'/g)) written.add(code[1]);
      }
    }
    expect(written.size).toBeGreaterThan(15);
    expect([...written].filter((a) => !ACTION_LABELS[a])).toEqual([]);
    expect(actionLabel('no.such_action')).toBe('رویداد دیگر');
  });
});

describe('the check link\'s address', () => {
  it('PUBLIC_URL defaults to localhost on the port the instance listens on', async () => {
    const { parseEnv } = await import('../src/env.ts');
    expect(parseEnv({ PORT: '4180' }).PUBLIC_URL).toBe('http://localhost:4180');
    expect(parseEnv({}).PUBLIC_URL).toBe('http://localhost:3000');
    expect(parseEnv({ PORT: '4180', PUBLIC_URL: 'https://amar.example.ir' }).PUBLIC_URL).toBe('https://amar.example.ir');
  });
});
