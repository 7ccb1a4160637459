import type { Knex } from 'knex';
import { ACTIVITIES } from './data/demo-names.ts';

// DEMO DATA — not the ministry's list. A product catalogue for the demo register, built from the
// demo activities' own products (seeds/data/demo-names.ts), so that it covers every ISIC class a
// demo unit has. Codes are `class + 90 + 4 digits` and marked source 'demo'; the page shows them
// as «نمونه آزمایشی». The real list arrives with `npm run import:catalogue`.

export interface DemoCatalogueEntry { code: string; isic_class: string; name_fa: string; name_en: string; unit: string }

export function demoCatalogue(): DemoCatalogueEntry[] {
  const out: DemoCatalogueEntry[] = [];
  const seen = new Set<string>();
  for (const a of ACTIVITIES) {
    a.products.forEach((p, i) => {
      const code = `${a.isic}90${String(i + 1).padStart(4, '0')}`;
      if (seen.has(code)) return;
      seen.add(code);
      out.push({ code, isic_class: a.isic, name_fa: p.name, name_en: `Demo product ${code}`, unit: p.uom });
    });
  }
  return out;
}

/**
 * The demo catalogue, and the demo units' products linked to it by name — except those of every
 * fifth unit, left uncoded so that the mapping queue has work to show. Idempotent.
 */
export async function seedDemoCatalogue(k: Knex, activeFrom: string): Promise<void> {
  const units: { code: string; name_fa: string }[] = await k('units_of_measure').select('code', 'name_fa');
  const unitOf = new Map(units.map((u) => [u.name_fa, u.code]));
  const rows = demoCatalogue().map((e) => {
    const unit = unitOf.get(e.unit);
    if (!unit) throw new Error(`demo catalogue: unit of measure «${e.unit}» is not in units_of_measure`);
    return { code: e.code, isic_class: e.isic_class, name_fa: e.name_fa, name_en: e.name_en, unit_of_measure_code: unit, active_from: activeFrom, source: 'demo' };
  });
  for (let i = 0; i < rows.length; i += 200) await k('catalogue').insert(rows.slice(i, i + 200)).onConflict('code').ignore();
  await k.raw(`
    update products p set catalogue_code = c.code
      from units u, catalogue c, units_of_measure pm, units_of_measure cm
     where u.id = p.unit_id and u.id % 5 <> 0 and p.catalogue_code is null
       and c.source = 'demo' and c.isic_class = u.isic_class and catalogue_key(c.name_fa) = catalogue_key(p.name)
       and pm.code = p.unit_of_measure_code and cm.code = c.unit_of_measure_code and pm.dimension = cm.dimension`);
}
