/**
 * `backtest_ms` (issue 21): one back-test of every rule over the whole loaded history (a year at the bench's size), its
 * first threshold raised by 10 %, as the batch actor in a read-only transaction. Reported per rule kind (the rule's
 * window: visit, day, hour, 90 days, month, quarter, year) as the slowest rule of that kind, and per rule. Target:
 * ≤ 10 s for one rule at 1M settlements on 2 cores.
 */
import type { Db } from '../db/client';
import { scopedClient } from '../db/scoped-client';
import { SYSTEM } from '../db/scoped';
import { monitoringFor, type ThresholdKey } from '../policies/monitoring';
import { rules } from '../rules';
import { backtestRule } from '../rules/backtest';

export interface BacktestBench {
  /** rule kind (window) → ms of its slowest rule */
  by_kind: Record<string, number>;
  by_rule: Record<string, number>;
}

export async function benchBacktest(db: Db): Promise<BacktestBench> {
  const by_rule: Record<string, number> = {};
  const by_kind: Record<string, number> = {};
  const t = monitoringFor('000000').thresholds;
  for (const rule of rules) {
    const key = rule.thresholds[0] as ThresholdKey | undefined;
    const set = key ? { [key]: t[key].value * 1.1 } : {};
    const t0 = performance.now();
    await scopedClient(db, SYSTEM, (c) => backtestRule(c, { ruleId: rule.id, set }), { readOnly: true });
    const ms = Math.round(performance.now() - t0);
    by_rule[rule.id] = ms;
    by_kind[rule.window] = Math.max(by_kind[rule.window] ?? 0, ms);
  }
  return { by_kind, by_rule };
}
