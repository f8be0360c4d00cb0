/**
 * Writes findings as alerts: one per (region, rule, subject, period) — the unique index
 * alerts_dedup_idx. A re-run updates numbers, explanation and evidence but keeps status, assignee,
 * dismissal reason and case link (the verdict history lives in alert_events). A subject on the
 * white list (not expired) gets no alert. New alerts get a 'raised' event.
 *
 * A re-run that no longer finds an untouched ('new') alert of its scope — the claim was reversed or corrected, a
 * threshold or the rule changed — withdraws it (status 'withdrawn', event 'withdrawn'): the alert and its history
 * stay, it leaves the work queue. Found again later, it is raised again ('new', event 'reraised'). Alerts a person
 * has worked on (assigned, confirmed, dismissed, case) are never changed by a re-run.
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
-- the whitelist in force, read once (uncorrelated: on Citus a correlated lookup of a distributed table is not planned)
wl as materialized (
  select w.region_code::text as region_code, w.rule_id, w.subject_type, w.subject_id from alert_whitelist w
  where w.expires_at >= current_date and w.region_code = any(array(select distinct r.region_code::bpchar from r))
),
f as (
  select r.* from r where not exists (
    select 1 from wl w where w.region_code = r.region_code and w.rule_id = r.rule_id
      and w.subject_type = r.subject_type and w.subject_id = r.subject_id)
),
prev as (
  select a.id from alerts a join f using (region_code, rule_id, subject_type, subject_id, period_key) where a.status = 'withdrawn'
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
    status = case when alerts.status = 'withdrawn' then 'new' else alerts.status end, updated_at = excluded.updated_at
  returning id, region_code, (xmax = 0) as inserted
),
ev as (
  insert into alert_events (alert_id, region_code, action, from_status, to_status)
  select id, region_code, case when inserted then 'raised' else 'reraised' end, case when inserted then null else 'withdrawn' end, 'new'
  from up where inserted or id in (select id from prev) returning 1
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

const WITHDRAW = `
with kept as (select unnest($4::text[]) as k),
stale as (
  select a.id from alerts a
  where a.rule_id = $1 and a.region_code = any($2::bpchar[]) and a.status = 'new'
    and exists (select 1 from unnest($3::date[]) m where a.period_start < m + interval '1 month' and a.period_end >= m)
    and ($5::text[] is null or a.subject_id = any($5::text[]))
    and not exists (select 1 from kept where kept.k = a.region_code || '|' || a.subject_type || '|' || a.subject_id || '|' || a.period_key)
),
w as (
  update alerts a set status = 'withdrawn', updated_at = now() from stale where a.id = stale.id returning a.id, a.region_code
)
insert into alert_events (alert_id, region_code, action, from_status, to_status, reason)
select id, region_code, 'withdrawn', 'new', 'withdrawn', '重新计算后不再满足规则条件（数据冲销或更正、阈值或规则变更）' from w`;

/**
 * Withdraws the rule's untouched alerts whose period overlaps one of `months` ('YYYY-MM-01') in `regions` and which
 * the re-run did not find again (`found`), of `subjects` only when given; the number withdrawn.
 */
export async function withdrawStale(
  c: pg.ClientBase,
  ruleId: string,
  regions: string[],
  months: string[],
  found: AlertRow[],
  /** only these subjects' alerts (a person-local rule re-run for some persons); null: all */
  subjects: string[] | null = null,
): Promise<number> {
  const keys = found.map((a) => `${a.region_code}|${a.subject_type}|${a.subject_id}|${a.period_key}`);
  const r = await c.query(WITHDRAW, [ruleId, regions, months, keys, subjects]);
  return r.rowCount ?? 0;
}
