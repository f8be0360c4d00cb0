/**
 * The rules the real-time check judges, in answer order. Each is the monitoring rule of lib/rules/* with that id:
 * its condition, thresholds (policies/monitoring, the region's set), template (wording) and clauses
 * (policies/basis/catalogue.json, those binding the region) — nothing here restates them. What is added per rule is
 * only how the check reads the rule:
 * - `visit`: the rule's per-visit condition (Rule.visit) evaluated on the encounter, one row per order line;
 * - `history`: the rule's window core (splitVisitRows / twoPlacesRows / overlapRows) evaluated over the person's
 *   recent visits or drug lines together with the encounter;
 * - `cap`: the annual cap of the benefit policy in force (lib/adjudication), already reached by the year's payments.
 * `amount`: what the answer's vola_amt is — the order lines at fault (`lines`) or the fund the encounter would draw
 * (`fund`, re-adjudicated under the policy in force).
 */
import { ruleById, type Rule } from '../rules';

export type RealtimeKind = 'visit' | 'split' | 'two-places' | 'overlap' | 'cap';

export interface RealtimeRule {
  id: string;
  kind: RealtimeKind;
  amount: 'lines' | 'fund';
}

export const CAP_RULE_ID = 'CAP-REACHED';

export const REALTIME_RULES: readonly RealtimeRule[] = [
  { id: 'RX-DAYS-ORD', kind: 'visit', amount: 'lines' },
  { id: 'RX-DAYS-ORD-WARN', kind: 'visit', amount: 'lines' },
  { id: 'RX-DAYS-CHR', kind: 'visit', amount: 'lines' },
  { id: 'RX-DAYS-CHR-WARN', kind: 'visit', amount: 'lines' },
  { id: 'EXCL-NON-DESIGNATED', kind: 'visit', amount: 'fund' },
  { id: 'SUSPENDED', kind: 'visit', amount: 'fund' },
  { id: 'EXCL-PHARMACY-NO-RX', kind: 'visit', amount: 'fund' },
  { id: 'EXCL-INPATIENT', kind: 'visit', amount: 'fund' },
  { id: 'RX-OVERLAP', kind: 'overlap', amount: 'lines' },
  { id: 'SPLIT-VISIT', kind: 'split', amount: 'fund' },
  { id: 'TWO-PLACES', kind: 'two-places', amount: 'fund' },
  { id: CAP_RULE_ID, kind: 'cap', amount: 'lines' },
];

/** The monitoring rule a real-time rule is (every id but the cap's names one). */
export function monitoringRule(id: string): Rule {
  const r = ruleById(id);
  if (!r) throw new Error(`real-time rule ${id} has no monitoring rule`);
  return r;
}

/** The cap is judged by the benefit policy, not by a monitoring rule: its name and wording live here. */
export const CAP_RULE = {
  id: CAP_RULE_ID,
  nameZh: '年度统筹基金最高支付限额已用完',
  resultType: 'violation' as const,
  severity: 'high' as const,
  subject: 'insured' as const,
};

export function ruleMeta(id: string): { id: string; nameZh: string; resultType: 'violation' | 'suspicious'; severity: 'high' | 'medium' | 'low' } {
  return id === CAP_RULE_ID ? CAP_RULE : monitoringRule(id);
}

/** NHSA 严重程度 sev_deg: 1 严重 (clear violation), 2 一般 (suspicious), 3 提示 (a low-severity reminder). */
export function sevDeg(rule: { resultType: string; severity: string }): '1' | '2' | '3' {
  if (rule.severity === 'low') return '3';
  return rule.resultType === 'violation' ? '1' : '2';
}

/** 违规行为类型 vola_bhvr_type: 1 明确违规, 2 可疑. */
export function volaBhvrType(rule: { resultType: string }): '1' | '2' {
  return rule.resultType === 'violation' ? '1' : '2';
}
