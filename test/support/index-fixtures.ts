import type { Knex } from 'knex';
import { createUnit, createFiling, setSetting } from './stats-fixtures.ts';
import { periodRange } from '../../src/calendar.ts';

/**
 * Three milk plants (class 1050) filing 10 t a month over the base year 1404 and `produced` t in
 * `period`: the smallest world an index computation publishes the nation, section C, division 10
 * and class 1050 in (index = 10 × produced).
 */
export async function milkPlants(knex: Knex, period: string, produced: number): Promise<void> {
  await setSetting('index_base_year', 1404);
  await knex('catalogue').insert({ code: '1050000001', isic_class: '1050', name_fa: 'شیر', unit_of_measure_code: 't', active_from: '1400-01', source: 'office' });
  for (let i = 0; i < 3; i++) {
    const u = await createUnit({ isic_class: '1050', obligation_start: '1403-01' });
    await knex('products').where({ id: u.productIds[0] }).update({ catalogue_code: '1050000001' });
    for (const p of [...periodRange('1404-01', '1404-12'), period]) {
      const q = p === period ? produced : 10;
      await createFiling({ unit_id: u.id, period: p, lines: [{ product_id: u.productIds[0], produced: q, sold: q, sales_value: q * 100 }] });
    }
  }
}
