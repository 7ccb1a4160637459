import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';

// Text the UI shows, checked in the templates themselves (issue 14).

const root = path.resolve(import.meta.dirname, '..');
function filesUnder(dir: string, ext: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => path.join(e.parentPath, e.name));
}
const views = filesUnder('views', '.ejs');

describe('the words and signs of the UI', () => {
  it('no "·" separator in any view: beside Persian digits it reads as ۰', () => {
    const offenders = views.filter((f) => fs.readFileSync(f, 'utf8').includes('·')).map((f) => path.relative(root, f));
    expect(offenders).toEqual([]);
  });
});
