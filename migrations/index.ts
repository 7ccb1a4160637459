import type { Knex } from 'knex';
import * as m001 from './001_reference.ts';
import * as m002 from './002_people_and_units.ts';
import * as m003 from './003_filings.ts';
import * as m004 from './004_status_and_jobs.ts';
import * as m060 from './060_filings_period_cover.ts';
import * as m061 from './061_units_obligation_start.ts';
import * as m070 from './070_releases.ts';
import * as m080 from './080_email_proof.ts';
import * as m081 from './081_one_time_links.ts';
import * as m082 from './082_unit_claims.ts';
import * as m083 from './083_login_throttle.ts';
import * as m084 from './084_api_token_expiry.ts';
import * as m100 from './100_units_of_measure.ts';
import * as m101 from './101_catalogue.ts';
import * as m102 from './102_products_catalogue.ts';
import * as m110 from './110_release_products.ts';
import * as m120 from './120_production_index.ts';
import * as m121 from './121_index_weights_published.ts';
import * as m130 from './130_stats_jobs.ts';
import * as m140 from './140_role_confirmation.ts';
import * as m141 from './141_catalogue_bigrams.ts';
import * as m142 from './142_collation_fa.ts';
import * as m150 from './150_filing_expectations.ts';
import * as m151 from './151_validation_rules.ts';
import * as m180 from './180_catalogue_gram_counts.ts';
import * as m181 from './181_filing_reviews_returns.ts';
import * as m190 from './190_passport_sessions.ts';
import * as m200 from './200_release_calendar.ts';
import * as m201 from './201_index_published_embargo.ts';
import * as m202 from './202_cells_primary.ts';
import * as m170 from './170_count_cell_key.ts';
import * as m160 from './160_release_proofs.ts';
import * as m220 from './220_index_holidays.ts';
import * as m221 from './221_index_adjusted.ts';
import * as m230 from './230_one_release_cells.ts';
import * as m240 from './240_index_publications.ts';
import * as m241 from './241_index_cache.ts';
import * as m242 from './242_index_chain.ts';
import * as m250 from './250_unit_year_records.ts';
import * as m251 from './251_mapping_suggestions.ts';
import * as m260 from './260_catalogue_price_medians.ts';
import * as m261 from './261_peer_checks_kept.ts';
import * as m262 from './262_filing_triggers_when.ts';
import * as m270 from './270_index_changes_merged.ts';
import * as m271 from './271_index_cells_ref_mean.ts';
import * as m280 from './280_expectations_given.ts';
import * as m281 from './281_save_logs_given.ts';
import * as m282 from './282_units_class_province_ids.ts';

// Listed statically: knex's directory loader cannot load .ts files under vitest.
const migrations: Record<string, Knex.Migration> = {
  '001_reference': m001,
  '002_people_and_units': m002,
  '003_filings': m003,
  '004_status_and_jobs': m004,
  '060_filings_period_cover': m060,
  '061_units_obligation_start': m061,
  '070_releases': m070,
  '080_email_proof': m080,
  '081_one_time_links': m081,
  '082_unit_claims': m082,
  '083_login_throttle': m083,
  '084_api_token_expiry': m084,
  '100_units_of_measure': m100,
  '101_catalogue': m101,
  '102_products_catalogue': m102,
  '110_release_products': m110,
  '120_production_index': m120,
  '121_index_weights_published': m121,
  '130_stats_jobs': m130,
  '140_role_confirmation': m140,
  '141_catalogue_bigrams': m141,
  '142_collation_fa': m142,
  '150_filing_expectations': m150,
  '151_validation_rules': m151,
  '180_catalogue_gram_counts': m180,
  '181_filing_reviews_returns': m181,
  '190_passport_sessions': m190,
  '200_release_calendar': m200,
  '201_index_published_embargo': m201,
  '202_cells_primary': m202,
  '170_count_cell_key': m170,
  '160_release_proofs': m160,
  '220_index_holidays': m220,
  '221_index_adjusted': m221,
  '230_one_release_cells': m230,
  '240_index_publications': m240,
  '241_index_cache': m241,
  '242_index_chain': m242,
  '250_unit_year_records': m250,
  '251_mapping_suggestions': m251,
  '260_catalogue_price_medians': m260,
  '261_peer_checks_kept': m261,
  '262_filing_triggers_when': m262,
  '270_index_changes_merged': m270,
  '271_index_cells_ref_mean': m271,
  '280_expectations_given': m280,
  '281_save_logs_given': m281,
  '282_units_class_province_ids': m282,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

export const latestMigration = Object.keys(migrations).at(-1)!;
