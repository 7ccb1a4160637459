import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { rialWords } from './text.ts';
import { fa, faPct, faDigits, rial } from './numbers.ts';
import { addMonths, jdate, jdatetime, periodLabel, dayLabel, jalaliDateText, periodChoices } from './calendar.ts';
import { ROLE_LABELS, KIND_LABELS, ISIC_LEVEL_LABELS, TERMS, UNIT_STATUS_LABELS, REGISTRATION_LABELS, FILING_STATE_LABELS, actionLabel, unitStatusLabel } from './glossary.ts';

// What every template gets (app.locals): the formatters of numbers.ts and calendar.ts, the words
// of glossary.ts, and the versioned address of each asset. Only the web layer (app.ts) imports
// this file: it hashes the assets when it loads. Models and rules import the formatters from
// numbers.ts and calendar.ts (test/layers.test.ts).

// Still imported from here by src/stats and src/production-index, until they import calendar.ts.
export { periodLabel, dayLabel };

const root = path.resolve(import.meta.dirname, '..');

/** A hash of every served asset (public/, and the bootstrap and vazirmatn versions): their address. */
export const ASSET_VERSION = (() => {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(path.join(root, 'public')).sort()) h.update(f).update(fs.readFileSync(path.join(root, 'public', f)));
  for (const pkg of ['bootstrap', 'vazirmatn']) h.update(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json')));
  return h.digest('hex').slice(0, 12);
})();

/** The long-cached address of an asset: asset('app.css') → /assets/<version>/app.css */
export const asset = (file: string): string => `/assets/${ASSET_VERSION}/${file}`;

export const viewHelpers = { asset, unitStatusLabel, periodChoices, addMonths, fa, faPct, faDigits, jdate, jdatetime, periodLabel, dayLabel, rial, rialWords, jalaliDateText, ROLE_LABELS, KIND_LABELS, ISIC_LEVEL_LABELS, TERMS, UNIT_STATUS_LABELS, REGISTRATION_LABELS, FILING_STATE_LABELS, actionLabel };
