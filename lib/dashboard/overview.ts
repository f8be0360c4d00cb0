/**
 * 总览: key indicators of the actor's regions for a period, 12-month trends, alert counts by rule and
 * severity, the riskiest subjects and budget use. Everything is read from the monthly rollups
 * (lib/indicators) and the alerts table, never from the facts; run inside scoped() (RLS).
 * Ratios are computed on sums over the period (never averages of monthly ratios).
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { ruleById } from '../rules';
import { monthsEnding, type Period } from './period';
import { inRegions } from './scope';

export interface Kpis {
  visits: number;
  persons: number;
  total: number;
  fund: number;
  exam: number;
  perVisit: number | null;
  selfpayRatio: number | null;
  examShare: number | null;
}

export interface TrendPoint {
  month: string;
  visits: number;
  total: number;
  fund: number;
  perVisit: number | null;
  selfpayRatio: number | null;
  examShare: number | null;
}

export interface Overview {
  kpis: Kpis;
  prevKpis: Kpis;
  trend: TrendPoint[];
  alertsByRule: Array<{ ruleId: string; name: string; high: number; medium: number; low: number; total: number; amount: number }>;
  alertsByStatus: Record<string, number>;
  topSubjects: Array<{ subjectType: string; subjectId: string; subjectName: string | null; regionCode: string; alerts: number; high: number; amount: number }>;
  budget: { budget: number; used: number; ratio: number | null; month: string | null; top: Array<{ code: string; name: string | null; budget: number; used: number; ratio: number | null }> };
}

type KpiRow = {
  visits: number | null;
  total: number | null;
  fund: number | null;
  exam: number | null;
  persons: number | null;
};

function kpisFrom(r: KpiRow | undefined): Kpis {
  const visits = Number(r?.visits ?? 0);
  const total = Number(r?.total ?? 0);
  const fund = Number(r?.fund ?? 0);
  const exam = Number(r?.exam ?? 0);
  return {
    visits,
    persons: Number(r?.persons ?? 0),
    total,
    fund,
    exam,
    perVisit: visits ? total / visits : null,
    selfpayRatio: total ? (total - fund) / total : null,
    examShare: total ? exam / total : null,
  };
}

async function kpis(tx: DbOrTx, p: Period, regions: string[] | null): Promise<Kpis> {
  const months = sql.param(p.months);
  const { rows } = await tx.execute<KpiRow>(sql`
    select m.visits, m.total, m.fund, m.exam, p.persons
    from (select sum(visits)::float8 as visits, sum(total_amt)::float8 as total, sum(fund_amt)::float8 as fund, sum(exam_amt)::float8 as exam
          from ind_region_month where month = any(${months}::date[]) and ${inRegions('region_code', regions)}) m,
         -- (a subquery of its own, not in the select list: Citus merges a select-list subquery only before aggregates)
         (select coalesce(sum(persons), 0)::int as persons from ind_region_period where period_key = ${p.key} and ${inRegions('region_code', regions)}) p`);
  return kpisFrom(rows[0]);
}

export async function getOverview(tx: DbOrTx, p: { period: Period; prev: Period; regions: string[] | null }): Promise<Overview> {
  const { period, regions } = p;
  const trendMonths = monthsEnding(period.to, 12);
  const [cur, prev] = [await kpis(tx, period, regions), await kpis(tx, p.prev, regions)];

  const { rows: trendRows } = await tx.execute<{ month: string; visits: number; total: number; fund: number; exam: number }>(sql`
    select month::text as month, sum(visits)::float8 as visits, sum(total_amt)::float8 as total, sum(fund_amt)::float8 as fund, sum(exam_amt)::float8 as exam
    from ind_region_month where month = any(${sql.param(trendMonths)}::date[]) and ${inRegions('region_code', regions)}
    group by month order by month`);
  const byMonth = new Map(trendRows.map((r) => [r.month, r]));
  const trend: TrendPoint[] = trendMonths.map((m) => {
    const r = byMonth.get(m);
    const visits = Number(r?.visits ?? 0);
    const total = Number(r?.total ?? 0);
    const fund = Number(r?.fund ?? 0);
    return {
      month: m,
      visits,
      total,
      fund,
      perVisit: visits ? total / visits : null,
      selfpayRatio: total ? (total - fund) / total : null,
      examShare: total ? Number(r?.exam ?? 0) / total : null,
    };
  });

  const alertPeriod = sql`period_start >= ${period.from}::date and period_start <= ${period.end}::date and ${inRegions('region_code', regions)}`;
  const { rows: byRule } = await tx.execute<{ rule_id: string; high: number; medium: number; low: number; total: number; amount: number }>(sql`
    select rule_id, count(*) filter (where severity = 'high')::int as high, count(*) filter (where severity = 'medium')::int as medium,
      count(*) filter (where severity = 'low')::int as low, count(*)::int as total, coalesce(sum(amount), 0)::float8 as amount
    from alerts where ${alertPeriod} group by rule_id order by total desc, rule_id`);
  const { rows: byStatus } = await tx.execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from alerts where ${alertPeriod} group by status`);
  // Risk: number of high-severity alerts first, then fund at stake, then alert count.
  const { rows: top } = await tx.execute<{ subject_type: string; subject_id: string; subject_name: string | null; region_code: string; alerts: number; high: number; amount: number }>(sql`
    select subject_type, subject_id, max(subject_name) as subject_name, min(region_code) as region_code, count(*)::int as alerts,
      count(*) filter (where severity = 'high')::int as high, coalesce(sum(amount), 0)::float8 as amount
    from alerts where ${alertPeriod} and status not in ('dismissed', 'withdrawn') and subject_type in ('institution', 'doctor', 'insured')
    group by subject_type, subject_id
    order by high desc, amount desc, alerts desc limit 30`);

  const { rows: budgetRows } = await tx.execute<{ code: string; name: string | null; budget: number; used: number; ratio: number | null; month: string }>(sql`
    select m.fixmedins_code as code, i.fixmedins_name as name, m.annual_budget::float8 as budget, coalesce(m.fund_ytd, 0)::float8 as used, m.budget_use as ratio, m.month::text as month
    from ind_institution_month m
    left join institutions i on i.region_code = m.region_code and i.fixmedins_code = m.fixmedins_code
    where m.month = (select max(month) from ind_institution_month where month <= ${period.to}::date and annual_budget is not null and ${inRegions('region_code', regions)})
      and m.annual_budget is not null and ${inRegions('m.region_code', regions)}
    order by m.budget_use desc nulls last`);
  const budgetTotal = budgetRows.reduce((a, r) => a + Number(r.budget), 0);
  const usedTotal = budgetRows.reduce((a, r) => a + Number(r.used), 0);

  return {
    kpis: cur,
    prevKpis: prev,
    trend,
    alertsByRule: byRule.map((r) => ({ ruleId: r.rule_id, name: ruleById(r.rule_id)?.nameZh ?? r.rule_id, high: r.high, medium: r.medium, low: r.low, total: r.total, amount: Number(r.amount) })),
    alertsByStatus: Object.fromEntries(byStatus.map((r) => [r.status, r.n])),
    topSubjects: top.map((r) => ({ subjectType: r.subject_type, subjectId: r.subject_id, subjectName: r.subject_name, regionCode: r.region_code, alerts: r.alerts, high: r.high, amount: Number(r.amount) })),
    budget: {
      budget: budgetTotal,
      used: usedTotal,
      ratio: budgetTotal ? usedTotal / budgetTotal : null,
      month: budgetRows[0]?.month ?? null,
      top: budgetRows.slice(0, 8).map((r) => ({ code: r.code, name: r.name, budget: Number(r.budget), used: Number(r.used), ratio: r.ratio })),
    },
  };
}

/**
 * The same key indicators computed straight from the facts (settlements ⋈ fee lines), month-pruned:
 * what the overview would cost without rollups. Used by the bench and by the tests as the reference.
 */
export async function rawKpis(tx: DbOrTx, p: Period, regions: string[] | null): Promise<Kpis> {
  const from = sql`${p.from}::date::timestamp at time zone 'Asia/Shanghai'`;
  const to = sql`(${p.to}::date + interval '1 month')::timestamp at time zone 'Asia/Shanghai'`;
  const { rows } = await tx.execute<KpiRow>(sql`
    select count(*)::float8 as visits, count(distinct s.psn_no)::int as persons, sum(s.medfee_sumamt)::float8 as total,
      sum(coalesce(s.hifp_pay, 0))::float8 as fund, coalesce(sum(f.exam), 0)::float8 as exam
    from settlements s
    left join (select admdvs, setl_id, setl_time, sum(det_item_fee_sumamt) filter (where med_chrgitm_type in ('03', '04')) as exam
               from fee_details where setl_time >= ${from} and setl_time < ${to} and ${inRegions('admdvs', regions)}
               group by admdvs, setl_id, setl_time) f on f.admdvs = s.admdvs and f.setl_id = s.setl_id and f.setl_time = s.setl_time
    where s.setl_time >= ${from} and s.setl_time < ${to} and ${inRegions('s.admdvs', regions)}
      and not s.reversed and not s.refd_setl_flag`);
  return kpisFrom(rows[0]);
}
