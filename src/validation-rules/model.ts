import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import type { Period } from '../calendar.ts';
import { fa } from '../numbers.ts';
import { parseExpression, evaluate, holds, OPERATORS, type Figures, type Operator } from './expression.ts';

// Issue 24 §3: the statistics office's validation rules. A rule is in force for the periods from
// effective_from to effective_to (open when null) unless retired; every change is audited with
// the rule as it was and as it became.

export interface RuleRow {
  id: number;
  name: string;
  left_expr: string;
  operator: Operator;
  right_expr: string;
  severity: 'warning' | 'error';
  message: string;
  effective_from: Period;
  effective_to: Period | null;
  retired_at: Date | null;
}

export type RuleInput = Omit<RuleRow, 'id' | 'retired_at'>;

const COLUMNS = ['id', 'name', 'left_expr', 'operator', 'right_expr', 'severity', 'message', 'effective_from', 'effective_to', 'retired_at'] as const;

export function listRules(k: Knex = db()): Promise<RuleRow[]> {
  return k('validation_rules').select(...COLUMNS).orderByRaw('retired_at is not null, effective_from desc, id');
}

export function findRule(id: number, k: Knex = db()): Promise<RuleRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return Promise.resolve(undefined);
  return k('validation_rules').where({ id }).first(...COLUMNS);
}

/** The rules in force for a period: a subquery of saveFiling's first statement too. */
export function rulesInForce(k: Knex, period: Period): Knex.QueryBuilder {
  return k('validation_rules').select(...COLUMNS).whereNull('retired_at').where('effective_from', '<=', period)
    .where((q) => q.whereNull('effective_to').orWhere('effective_to', '>=', period)).orderBy('id');
}

export async function saveRule(input: RuleInput, userId: number, id: number | null, ip: string | null, k: Knex = db()): Promise<number | null> {
  return k.transaction(async (trx) => {
    if (id === null) {
      const [row] = await trx('validation_rules').insert({ ...input, created_by: userId, updated_by: userId }).returning('id');
      await audit({ action: 'validation_rule.create', userId, target: `validation_rule:${row.id}`, details: { rule: input }, ip }, trx);
      return row.id as number;
    }
    const before = await trx('validation_rules').where({ id }).whereNull('retired_at').forUpdate().first(...COLUMNS);
    if (!before) return null;
    await trx('validation_rules').where({ id }).update({ ...input, updated_by: userId, updated_at: trx.fn.now() });
    await audit({ action: 'validation_rule.update', userId, target: `validation_rule:${id}`, details: { before, after: input }, ip }, trx);
    return id;
  });
}

export async function retireRule(id: number, userId: number, ip: string | null, k: Knex = db()): Promise<boolean> {
  return k.transaction(async (trx) => {
    const changed = await trx('validation_rules').where({ id }).whereNull('retired_at').update({ retired_at: trx.fn.now(), updated_by: userId, updated_at: trx.fn.now() });
    if (changed === 0) return false;
    await audit({ action: 'validation_rule.retire', userId, target: `validation_rule:${id}`, ip }, trx);
    return true;
  });
}

export interface RuleOutcome { code: string; field: string; message: string; severity: 'warning' | 'error' }

/** Every rule broken by these figures, with its message and the two sides' values in Persian. */
export function brokenRules(rules: RuleRow[], figures: Figures): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const r of rules) {
    const left = evaluate(parseExpression(r.left_expr), figures);
    const right = evaluate(parseExpression(r.right_expr), figures);
    if (holds(left, r.operator, right) !== false) continue;
    const round = (x: number) => Math.round(x * 1000) / 1000;
    out.push({
      code: `rule_${r.id}`, field: '_form', severity: r.severity,
      message: `${r.message} (قاعده «${r.name}»: ${fa(round(left!))} باید ${OPERATORS[r.operator]} ${fa(round(right!))} باشد.)`,
    });
  }
  return out;
}
