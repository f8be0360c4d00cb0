/**
 * Writes findings as alerts: one per (region, rule, subject, period) — the unique index
 * alerts_dedup_idx. A re-run updates numbers, explanation and evidence but keeps status, assignee,
 * dismissal reason and case link (the verdict history lives in alert_events). A subject on the
 * white list (not expired) gets no alert. New alerts get a 'raised' event.
 */
import type pg from 'pg';

export interface AlertRow {
  region_code: string;
  rule_id: string;
  subject_type: string;
  subject_id: string;
  subject_name: string | null;
  period_key: string;
  period_start: string;
  period_end: string;
  result_type: string;
  severity: string;
  value: number | null;
  threshold: number | null;
  peer_median: number | null;
  percentile: number | null;
  robust_z: number | null;
  amount: number;
  explanation: string;
  clause: string;
  evidence: unknown;
  policy_id: string | null;
}

const UPSERT = `
with r as (
  select * from jsonb_to_recordset($1::jsonb) as x(region_code text, rule_id text, subject_type text, subject_id text, subject_name text,
    period_key text, period_start date, period_end date, result_type text, severity text, value float8, threshold float8,
    peer_median float8, percentile float8, robust_z float8, amount bigint, explanation text, clause text, evidence jsonb, policy_id text)
),
f as (
  select r.* from r where not exists (
    select 1 from alert_whitelist w where w.region_code = r.region_code and w.rule_id = r.rule_id
      and w.subject_type = r.subject_type and w.subject_id = r.subject_id and w.expires_at >= current_date)
),
up as (
  insert into alerts (region_code, rule_id, subject_type, subject_id, subject_name, period_key, period_start, period_end, result_type, severity,
    value, threshold, peer_median, percentile, robust_z, amount, explanation, clause, evidence, policy_id)
  select region_code, rule_id, subject_type, subject_id, subject_name, period_key, period_start, period_end, result_type, severity,
    value, threshold, peer_median, percentile, robust_z, amount, explanation, clause, evidence, policy_id from f
  on conflict (region_code, rule_id, subject_type, subject_id, period_key) do update set
    subject_name = excluded.subject_name, period_start = excluded.period_start, period_end = excluded.period_end,
    result_type = excluded.result_type, severity = excluded.severity, value = excluded.value, threshold = excluded.threshold,
    peer_median = excluded.peer_median, percentile = excluded.percentile, robust_z = excluded.robust_z, amount = excluded.amount,
    explanation = excluded.explanation, clause = excluded.clause, evidence = excluded.evidence, policy_id = excluded.policy_id,
    updated_at = now()
  returning id, region_code, (xmax = 0) as inserted
),
ev as (
  insert into alert_events (alert_id, region_code, action, to_status)
  select id, region_code, 'raised', 'new' from up where inserted returning 1
)
select count(*) filter (where inserted)::int as inserted, count(*)::int as total from up`;

/** Upserts in chunks (the JSON parameter stays a reasonable size). */
export async function upsertAlerts(c: pg.ClientBase, rows: AlertRow[]): Promise<{ inserted: number; total: number; suppressed: number }> {
  let inserted = 0;
  let total = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const r = await c.query<{ inserted: number; total: number }>(UPSERT, [JSON.stringify(chunk)]);
    inserted += r.rows[0]?.inserted ?? 0;
    total += r.rows[0]?.total ?? 0;
  }
  return { inserted, total, suppressed: rows.length - total };
}
