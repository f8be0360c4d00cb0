/**
 * The CONTRACT.md `whatif` document from a result. Money: decimal 元 as strings with two decimals, no
 * thousands separator ("1234.50", "-0.05"), exactly as the `adjudicate` lines print it — computed from
 * integer fen, so the figures add up to the fen. Beyond the contract's keys (extensions, never renames):
 * self pay, visits read, the most-changed visits and the changed clauses.
 */
import { yuanDecimal as y } from '../format';
import type { Policy, PolicySet } from '../policies';
import { policyFor, PolicyNotFound } from '../policies';
import type { WhatifResult } from './run';

export interface WhatifDocument {
  policy_id: string;
  region: string;
  from: string;
  to: string;
  visits: number;
  persons: number;
  fund_pay_before: string;
  fund_pay_after: string;
  fund_pay_delta: string;
  capped_persons_before: number;
  capped_persons_after: number;
  by_month: Array<{ month: string; before: string; after: string }>;
  by_hosp_lv: Array<{ hosp_lv: string; before: string; after: string }>;
  by_psn_type: Array<{ psn_type: string; before: string; after: string }>;
  self_pay_before: string;
  self_pay_after: string;
  visits_read: number;
  errors: number;
  changes: Array<{ field: string; before: unknown; after: unknown; clause: string }>;
  top_changes: Array<{ setl_id: string; fund_pay_before: string; fund_pay_after: string; clause_before: string; clause_after: string }>;
}

export function toDocument(r: WhatifResult): WhatifDocument {
  return {
    policy_id: r.scenarioId,
    region: r.region,
    from: r.from,
    to: r.to,
    visits: r.visits,
    persons: r.persons,
    fund_pay_before: y(r.total.fund.before),
    fund_pay_after: y(r.total.fund.after),
    fund_pay_delta: y(r.total.fund.after - r.total.fund.before),
    capped_persons_before: r.cappedPersons.before,
    capped_persons_after: r.cappedPersons.after,
    by_month: r.byMonth.map((m) => ({ month: m.month, before: y(m.fund.before), after: y(m.fund.after) })),
    by_hosp_lv: r.byLevel.map((m) => ({ hosp_lv: m.level, before: y(m.fund.before), after: y(m.fund.after) })),
    by_psn_type: r.byPsnType.map((m) => ({ psn_type: m.psnType, before: y(m.fund.before), after: y(m.fund.after) })),
    self_pay_before: y(r.total.self.before),
    self_pay_after: y(r.total.self.after),
    visits_read: r.visitsRead,
    errors: r.errors,
    changes: r.changes.map((c) => ({ field: c.field, before: c.before, after: c.after, clause: `${c.cite.doc.replace(/\s*\(seed \d+\)\s*$/, '')} ${c.cite.clause}` })),
    top_changes: r.changed.slice(0, 10).map((v) => ({
      setl_id: v.setlId,
      fund_pay_before: y(v.before.fundPay),
      fund_pay_after: y(v.after.fundPay),
      clause_before: v.before.clause,
      clause_after: v.after.clause,
    })),
  };
}

/** The published version a scenario departs from: the one with its id, else the one in force where and when it starts. */
export function basePolicyOf(set: PolicySet, s: Policy, region?: string): Policy | undefined {
  const same = set.policies.find((p) => p.id === s.id);
  if (same) return same;
  try {
    return policyFor(set, region ?? (s.region_prefixes[0] ?? '').padEnd(6, '0'), s.effective_from);
  } catch (e) {
    if (e instanceof PolicyNotFound) return undefined;
    throw e;
  }
}
