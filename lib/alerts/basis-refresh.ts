/**
 * Rewrites the basis an alert stores (clause, evidence.basis and the 依据 … ending of the explanation) to what the
 * catalogue resolves for its rule and region today, for alerts of every status — also those a recompute no longer
 * raises, which the rules' upsert does not touch. `recompute` runs it, so a corrected catalogue reaches stored alerts.
 */
import type pg from 'pg';
import { basisText, resolveBasis, thresholdBasis } from '../policies/basis';
import { monitoringFor, type ThresholdKey } from '../policies/monitoring';
import { ruleById } from '../rules';

export async function refreshStoredBasis(c: pg.ClientBase): Promise<{ updated: number }> {
  const groups = await c.query<{ rule_id: string; region_code: string }>('select distinct rule_id, region_code from alerts');
  let updated = 0;
  for (const g of groups.rows) {
    const basis = resolveBasis(g.rule_id, g.region_code).basis;
    const clause = basisText(basis);
    // the words of each threshold the alert recorded, with the clauses binding its region (values stay as judged)
    const t = monitoringFor(g.region_code).thresholds;
    const words = Object.fromEntries(
      (ruleById(g.rule_id)?.thresholds ?? []).flatMap((k) => {
        const x = t[k as ThresholdKey];
        if (!x) return [];
        return [[k, thresholdBasis(x, g.region_code)]];
      }),
    );
    // only rows whose stored text differs (updated_at stays put on a start or recompute that changes nothing)
    const r = await c.query(
      `with n as (
         select id,
           jsonb_set(coalesce(evidence, '{}'::jsonb), '{basis}', $4::jsonb)
             || case when jsonb_typeof(evidence -> 'thresholds') = 'object' then jsonb_build_object('thresholds', (
               select coalesce(jsonb_object_agg(key, case when jsonb_typeof(value) = 'object' and $5::jsonb ? key then value || jsonb_build_object('basis', $5::jsonb ->> key) else value end), '{}'::jsonb)
               from jsonb_each(evidence -> 'thresholds'))) else '{}'::jsonb end as evidence,
           case when right(explanation, length('依据 ' || clause)) = '依据 ' || clause
             then left(explanation, length(explanation) - length(clause)) || $3 else explanation end as explanation
         from alerts where rule_id = $1 and region_code = $2
       )
       update alerts a set clause = $3, evidence = n.evidence, explanation = n.explanation, updated_at = now()
       from n where a.id = n.id and (a.clause <> $3 or a.evidence is distinct from n.evidence or a.explanation <> n.explanation)`,
      [g.rule_id, g.region_code, clause, JSON.stringify(basis), JSON.stringify(words)],
    );
    updated += r.rowCount ?? 0;
  }
  return { updated };
}
