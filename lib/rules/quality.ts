/**
 * Rule quality from inspectors' verdicts (issue 21): per rule and region — alerts (not withdrawn), reviewed
 * (a verdict in force: confirmed, dismissed or turned into a case), confirmed (confirmed or case), dismissed and why
 * (the reason code of the dismissal in force, alert_events.reason_code), precision = confirmed ÷ reviewed (null when
 * none reviewed), median days from the alert's first raising to the verdict in force, and the amounts recovered
 * through the cases the rule's alerts went into (case_payments of kind principal/refund: money back to the fund;
 * a case holding alerts of two rules counts for both). The same per quarter of the alerts' periods.
 * Queries run on the caller's connection: under scoped() RLS limits them to the actor's regions.
 */
import type pg from 'pg';
import { rules } from './index';

/**
 * Real-time dispositions (NHSA 3103): the rule's warnings answered to institutions' systems (rt_results) and how the
 * doctor answered each, by its latest disposition (rt_dispositions): 继续执行 with a reason, or 已修改.
 */
export interface RealtimeQuality {
  warnings: number;
  /** warnings with no disposition yet */
  unanswered: number;
  continued: number;
  modified: number;
  continued_by_reason: Record<string, number>;
}

export interface QualityFigures {
  alerts: number;
  reviewed: number;
  confirmed: number;
  dismissed: number;
  precision: number | null;
}

export interface QualityRow extends QualityFigures {
  rule: string;
  region: string;
  /** reason code (lib/alerts/verdict-reasons.ts; 'unknown' for verdicts recorded before codes were kept) → alerts */
  dismissed_by_reason: Record<string, number>;
  median_days_to_verdict: number | null;
  recovered_fen: number;
  /** the same figures per quarter of the alerts' periods, oldest first */
  quarters: QualityQuarter[];
  /** real-time warnings of the rule in the region and the doctors' answers (null: none raised) */
  realtime: RealtimeQuality | null;
}

export interface QualityQuarter extends QualityFigures {
  /** e.g. 2024-Q3 (quarter of the alert's period start) */
  quarter: string;
}

const SQL = `
with a as (
  select a.id, case when $3::boolean then a.region_code::text else '*' end as region_code, a.rule_id, a.status, a.first_seen_at, to_char(a.period_start, 'YYYY-"Q"Q') as quarter
  from alerts a
  where a.status <> 'withdrawn' and ($1::text is null or a.region_code = $1::bpchar) and ($2::text is null or a.rule_id = $2)
),
-- the verdict in force of a reviewed alert: its latest confirmation or dismissal (a reversed one is followed by a new one)
v as (
  select distinct on (e.alert_id) e.alert_id, e.action, coalesce(e.reason_code, 'unknown') as reason_code, e.at
  from alert_events e join a on a.id = e.alert_id
  where e.action in ('confirm', 'dismiss')
  order by e.alert_id, e.at desc, e.id desc
),
j as (
  select a.*, a.status in ('confirmed', 'dismissed', 'case') as reviewed, a.status in ('confirmed', 'case') as confirmed,
    a.status = 'dismissed' as dismissed, case when a.status = 'dismissed' then v.reason_code end as reason_code,
    case when a.status in ('confirmed', 'dismissed', 'case') then extract(epoch from v.at - a.first_seen_at) / 86400.0 end as days
  from a left join v on v.alert_id = a.id
)
select rule_id, region_code, grouping(quarter) = 1 as total, coalesce(quarter, '') as quarter,
  count(*)::int as alerts, count(*) filter (where reviewed)::int as reviewed, count(*) filter (where confirmed)::int as confirmed,
  count(*) filter (where dismissed)::int as dismissed,
  percentile_cont(0.5) within group (order by days) as median_days
from j group by grouping sets ((rule_id, region_code), (rule_id, region_code, quarter))`;

const REASONS = `
select a.rule_id, case when $3::boolean then a.region_code::text else '*' end as region_code, coalesce(v.reason_code, 'unknown') as code, count(*)::int as n
from alerts a
left join lateral (
  select e.reason_code from alert_events e where e.alert_id = a.id and e.action = 'dismiss' order by e.at desc, e.id desc limit 1
) v on true
where a.status = 'dismissed' and ($1::text is null or a.region_code = $1::bpchar) and ($2::text is null or a.rule_id = $2)
group by 1, 2, 3`;

const RECOVERED = `
with c as (
  select distinct a.rule_id, case when $3::boolean then a.region_code::text else '*' end as region_code, ca.case_id, ca.region_code::text as case_region
  from alerts a join case_alerts ca on ca.alert_id = a.id and ca.region_code = a.region_code
  where ($1::text is null or a.region_code = $1::bpchar) and ($2::text is null or a.rule_id = $2)
)
select c.rule_id, c.region_code, coalesce(sum(p.amount), 0)::bigint as fen
from c join case_payments p on p.case_id = c.case_id and p.region_code::text = c.case_region and p.kind in ('principal', 'refund')
group by 1, 2`;

// one row per rule, region, answer and reason; folded into RealtimeQuality below
const REALTIME = `
select r.rule_id, case when $3::boolean then r.region_code::text else '*' end as region_code, d.dspo_way, d.dspo_wayrea as reason, count(*)::int as n
from rt_results r
left join lateral (
  select dspo_way, dspo_wayrea from rt_dispositions d where d.region_code = r.region_code and d.jr_id = r.jr_id order by d.at desc, d.id desc limit 1
) d on true
where ($1::text is null or r.region_code = $1::bpchar) and ($2::text is null or r.rule_id = $2)
group by 1, 2, 3, 4`;

const precision = (confirmed: number, reviewed: number) => (reviewed > 0 ? confirmed / reviewed : null);

/** Per rule and region; with `allRegions` per rule over every region in scope (region '*'). */
export async function ruleQuality(c: Pick<pg.ClientBase, 'query'>, opts: { region?: string; rule?: string; allRegions?: boolean } = {}): Promise<QualityRow[]> {
  const params = [opts.region ?? null, opts.rule ?? null, !opts.allRegions];
  const [main, reasons, recovered, realtime] = [
    await c.query<{ rule_id: string; region_code: string; total: boolean; quarter: string; alerts: number; reviewed: number; confirmed: number; dismissed: number; median_days: number | null }>(SQL, params),
    await c.query<{ rule_id: string; region_code: string; code: string; n: number }>(REASONS, params),
    await c.query<{ rule_id: string; region_code: string; fen: number }>(RECOVERED, params),
    await c.query<{ rule_id: string; region_code: string; dspo_way: string | null; reason: string | null; n: number }>(REALTIME, params),
  ];
  const key = (r: { rule_id: string; region_code: string }) => `${r.rule_id}|${r.region_code}`;
  const byReason = new Map<string, Record<string, number>>();
  for (const r of reasons.rows) byReason.set(key(r), { ...(byReason.get(key(r)) ?? {}), [r.code]: r.n });
  const rec = new Map(recovered.rows.map((r) => [key(r), Number(r.fen)]));
  const rt = new Map<string, RealtimeQuality>();
  for (const r of realtime.rows) {
    const q = rt.get(key(r)) ?? { warnings: 0, unanswered: 0, continued: 0, modified: 0, continued_by_reason: {} };
    q.warnings += r.n;
    if (r.dspo_way === '1') {
      q.continued += r.n;
      const why = r.reason ?? '未注明';
      q.continued_by_reason[why] = (q.continued_by_reason[why] ?? 0) + r.n;
    } else if (r.dspo_way === '2') q.modified += r.n;
    else q.unanswered += r.n;
    rt.set(key(r), q);
  }
  const rows: QualityRow[] = [];
  const quarters = new Map<string, QualityQuarter[]>();
  for (const r of main.rows) {
    const f = { alerts: r.alerts, reviewed: r.reviewed, confirmed: r.confirmed, dismissed: r.dismissed, precision: precision(r.confirmed, r.reviewed) };
    if (r.total) {
      rows.push({
        rule: r.rule_id,
        region: r.region_code,
        ...f,
        dismissed_by_reason: byReason.get(key(r)) ?? {},
        median_days_to_verdict: r.median_days === null ? null : Math.round(Number(r.median_days) * 10) / 10,
        recovered_fen: rec.get(key(r)) ?? 0,
        quarters: [],
        realtime: rt.get(key(r)) ?? null,
      });
      rt.delete(key(r));
    } else quarters.set(key(r), [...(quarters.get(key(r)) ?? []), { quarter: r.quarter, ...f }]);
  }
  // a rule judged in real time in a region with no alerts of it there yet
  for (const [k, q] of rt) {
    const [rule = '', region = ''] = k.split('|');
    rows.push({ rule, region, alerts: 0, reviewed: 0, confirmed: 0, dismissed: 0, precision: null, dismissed_by_reason: {}, median_days_to_verdict: null, recovered_fen: 0, quarters: [], realtime: q });
  }
  for (const r of rows) r.quarters = (quarters.get(`${r.rule}|${r.region}`) ?? []).sort((a, b) => a.quarter.localeCompare(b.quarter));
  // catalogue order, then region
  const rank = new Map(rules.map((r, i) => [r.id, i]));
  const order = (a: { rule: string; region: string }, b: { rule: string; region: string }) => (rank.get(a.rule) ?? 999) - (rank.get(b.rule) ?? 999) || a.region.localeCompare(b.region);
  return rows.sort(order);
}
