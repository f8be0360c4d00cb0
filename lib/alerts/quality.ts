/**
 * Detection quality against a generated data set's truth.json (docs/anomaly-kinds.md): precision and
 * recall per anomaly kind, on keys — setl_ids for claim-level kinds (union of the kind's rules'
 * evidence.setl_ids), `subject_type:subject_id:period` for subject-period kinds.
 */
import type { Db } from '../db/client';

export interface TruthAnomaly {
  kind: string;
  subject_type?: string;
  subject_id?: string;
  region_code?: string;
  period?: string;
  setl_ids?: string[];
}
export interface Truth {
  anomalies: TruthAnomaly[];
}

export interface KindQuality {
  precision: number;
  recall: number;
  truth: number;
  detected: number;
  hits: number;
}

/** kind → the rules that must find it and how it is keyed (docs/anomaly-kinds.md). */
export const kindRules: Record<string, { rules: string[]; key: 'claim' | 'subject' }> = {
  rx_over_long: { rules: ['RX-DAYS-ORD', 'RX-DAYS-CHR'], key: 'claim' },
  split_visit: { rules: ['SPLIT-VISIT'], key: 'claim' },
  two_places: { rules: ['TWO-PLACES'], key: 'claim' },
  checkup_bundle: { rules: ['CHECKUP'], key: 'claim' },
  overlapping_supply: { rules: ['RX-OVERLAP'], key: 'claim' },
  pharmacy_no_rx: { rules: ['EXCL-PHARMACY-NO-RX'], key: 'claim' },
  non_designated: { rules: ['EXCL-NON-DESIGNATED'], key: 'claim' },
  claim_while_suspended: { rules: ['EXCL-SUSPENDED', 'SUSPENDED'], key: 'claim' },
  inpatient_overlap: { rules: ['EXCL-INPATIENT'], key: 'claim' },
  overpaid: { rules: ['PAY-DIFF'], key: 'claim' },
  cost_growth: { rules: ['IND-GROWTH'], key: 'subject' },
  self_pay_spike: { rules: ['IND-SELFPAY'], key: 'subject' },
  high_exam_share: { rules: ['IND-EXAM'], key: 'subject' },
  high_volume_prescriber: { rules: ['TOP-RX'], key: 'subject' },
  high_fund_use: { rules: ['TOP-FUND'], key: 'subject' },
  budget_overrun: { rules: ['BUDGET'], key: 'subject' },
};

export async function detectionQuality(db: Db, truth: Truth): Promise<Record<string, KindQuality>> {
  const { rows } = await db.$client.query<{ rule_id: string; key: string; setl_ids: string[] | null }>(
    `select rule_id, subject_type || ':' || subject_id || ':' || period_key as key,
       array(select jsonb_array_elements_text(coalesce(evidence -> 'setl_ids', '[]'::jsonb))) as setl_ids
     from alerts where status <> 'withdrawn'`,
  );
  const out: Record<string, KindQuality> = {};
  const kinds = new Set([...Object.keys(kindRules), ...truth.anomalies.map((a) => a.kind)]);
  for (const kind of kinds) {
    const spec = kindRules[kind];
    if (!spec) continue;
    const mine = truth.anomalies.filter((a) => a.kind === kind);
    const truthKeys = new Set(
      spec.key === 'claim' ? mine.flatMap((a) => a.setl_ids ?? []) : mine.map((a) => `${a.subject_type}:${a.subject_id}:${a.period}`),
    );
    const detected = new Set<string>();
    for (const r of rows) {
      if (!spec.rules.includes(r.rule_id)) continue;
      if (spec.key === 'claim') for (const s of r.setl_ids ?? []) detected.add(s);
      else detected.add(r.key);
    }
    let hits = 0;
    for (const k of detected) if (truthKeys.has(k)) hits += 1;
    out[kind] = {
      precision: detected.size ? hits / detected.size : truthKeys.size ? 0 : 1,
      recall: truthKeys.size ? hits / truthKeys.size : 1,
      truth: truthKeys.size,
      detected: detected.size,
      hits,
    };
  }
  return out;
}
