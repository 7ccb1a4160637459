import type { Knex } from 'knex';
import { provinces } from './data/provinces.ts';
import { isicEntries } from './data/isic.ts';
import { defaultSettings, type SettingKey } from '../src/settings.ts';

/** Provinces, the ISIC tree and default settings: idempotent, safe on every start. */
export async function seedReference(k: Knex): Promise<void> {
  await k('provinces').insert(provinces).onConflict('code').ignore();
  const rows = isicEntries.map((e) => ({ ...e, section: e.level === 'section' ? e.code : sectionOf(e.code) }));
  for (let i = 0; i < rows.length; i += 200) await k('isic_codes').insert(rows.slice(i, i + 200)).onConflict('code').ignore();
  const settings = (Object.keys(defaultSettings) as SettingKey[]).map((key) => ({ key, effective_from: '0001-01', value: JSON.stringify(defaultSettings[key]) }));
  await k('settings').insert(settings).onConflict(['key', 'effective_from']).ignore();
}

/** ISIC Rev.4: divisions 05–09 are section B (mining), 10–33 section C (manufacturing). */
export function sectionOf(code: string): 'B' | 'C' {
  return Number(code.slice(0, 2)) <= 9 ? 'B' : 'C';
}
