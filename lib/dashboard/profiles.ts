/**
 * Profiles of an institution, a doctor and an insured person: monthly indicators against the peer
 * median (same region, same peer group, same month, from the rollups), cost structure now vs the
 * period before, top items and diagnoses, prescriptions by days, the costliest claims, alerts and
 * cases. An institution's profile reads rollups only (its month, items and diagnoses; the costliest claims are the top
 * of an index): a large institution has ~100k visits a month at 10M settlements. A doctor's or person's profile reads
 * their visits in `ind_visits` (one row per visit, month-keyed) and joins the fee lines of those visits only, by key.
 * Run inside scoped() (RLS).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { monthsEnding, type Period } from './period';
import { codeLabel } from './labels';
import { RX_DAYS_BUCKETS, rxDaysCounts } from '../indicators/rx-days';

export type ProfileKind = 'institution' | 'doctor' | 'insured';

export interface ProfileTrendPoint {
  month: string;
  visits: number | null;
  total: number | null;
  fund: number | null;
  perVisit: number | null;
  examShare: number | null;
  peerPerVisit: number | null;
  peerExamShare: number | null;
}

export interface Profile {
  kind: ProfileKind;
  id: string;
  regionCode: string;
  name: string | null;
  info: Record<string, string | number | null>;
  trend: ProfileTrendPoint[];
  structure: { cur: Structure; prev: Structure };
  topItems: Array<{ code: string | null; name: string | null; type: string; amount: number; prevAmount: number; lines: number }>;
  diagnoses: Array<{ code: string; visits: number; amount: number }>;
  rxDays: Array<{ bucket: string; visits: number }>;
  claims: Array<{ setlId: string; setlTime: string; psnNo: string; institution: string; medfee: number; fund: number; exam: number; drug: number; maxDays: number | null }>;
  alerts: Array<{ id: number; ruleId: string; severity: string; status: string; periodKey: string; amount: number; explanation: string }>;
  cases: Array<{ id: number; caseNo: string; title: string; stage: string }>;
}

export interface Structure {
  visits: number;
  total: number;
  fund: number;
  exam: number;
  drug: number;
  perVisit: number | null;
  examShare: number | null;
  drugShare: number | null;
}

const TABLE: Record<ProfileKind, { table: string; id: string }> = {
  institution: { table: 'ind_institution_month', id: 'fixmedins_code' },
  doctor: { table: 'ind_doctor_month', id: 'dr_codg' },
  insured: { table: 'ind_person_month', id: 'psn_no' },
};

const VISIT_COL: Record<ProfileKind, string> = { institution: 'fixmedins_code', doctor: 'dr_codg', insured: 'psn_no' };

/** A med_chrgitm_type code with its label ('09 西药'), from the one label table. */
export const itemTypeLabel = (t: string) => codeLabel('chrgitmType', t);

function structure(r: Record<string, unknown> | undefined): Structure {
  const visits = Number(r?.visits ?? 0);
  const total = Number(r?.total ?? 0);
  const exam = Number(r?.exam ?? 0);
  const drug = Number(r?.drug ?? 0);
  return {
    visits,
    total,
    fund: Number(r?.fund ?? 0),
    exam,
    drug,
    perVisit: visits ? total / visits : null,
    examShare: total ? exam / total : null,
    drugShare: total ? drug / total : null,
  };
}

/** Returns null when the subject has no rows the actor may see. */
export async function getProfile(tx: DbOrTx, kind: ProfileKind, id: string, p: { period: Period; prev: Period; region?: string | null }): Promise<Profile | null> {
  const t = TABLE[kind];
  const regionCond = p.region ? sql`and region_code = ${p.region}` : sql``;
  // The subject's latest region. Grouped by the distribution column and picked here: on Citus a multi-shard
  // `order by month desc limit 1` with a bind parameter crashed the 13.2 coordinator (docs/scale-out.md).
  const { rows: where } = await tx.execute<{ region_code: string; last: string }>(
    sql`select region_code, max(month)::text as last from ${sql.raw(t.table)} where ${sql.raw(t.id)} = ${id} ${regionCond} group by region_code`,
  );
  const region = where.reduce<{ region_code: string; last: string } | undefined>((a, r) => (!a || r.last > a.last || (r.last === a.last && r.region_code < a.region_code) ? r : a), undefined)?.region_code;
  if (!region) return null;

  const trendMonths = monthsEnding(p.period.to, 12);
  let trendSql: SQL;
  if (kind === 'insured') {
    trendSql = sql`
      select m.month::text as month, t.visits, t.total_amt as total, t.fund_amt as fund,
        t.total_amt::float8 / nullif(t.visits, 0) as per_visit, t.exam_amt::float8 / nullif(t.total_amt, 0) as exam_share,
        r.per_visit as peer_per_visit, r.exam_share as peer_exam_share
      from unnest(${sql.param(trendMonths)}::date[]) as m(month)
      left join ind_person_month t on t.region_code = ${region} and t.psn_no = ${id} and t.month = m.month
      left join ind_region_month r on r.region_code = ${region} and r.month = m.month
      order by m.month`;
  } else {
    // The subject's months, then its peer group's medians for those months, both within its region: one shard
    // group on Citus (correlated median subqueries over an unnest join crashed the 13.2 coordinator).
    trendSql = sql`
      with t as (
        select month, visits, total_amt, fund_amt, per_visit, exam_share, peer_key from ${sql.raw(t.table)}
        where region_code = ${region} and ${sql.raw(t.id)} = ${id} and month = any(${sql.param(trendMonths)}::date[])
      ),
      peer as (
        select q.month, percentile_cont(0.5) within group (order by q.per_visit) as per_visit,
          percentile_cont(0.5) within group (order by q.exam_share) as exam_share
        from ${sql.raw(t.table)} q join t on q.month = t.month and q.peer_key = t.peer_key
        where q.region_code = ${region}
        group by q.month
      )
      select m.month::text as month, t.visits, t.total_amt as total, t.fund_amt as fund, t.per_visit, t.exam_share,
        peer.per_visit as peer_per_visit, peer.exam_share as peer_exam_share
      from unnest(${sql.param(trendMonths)}::date[]) as m(month)
      left join t on t.month = m.month
      left join peer on peer.month = m.month
      order by m.month`;
  }
  const { rows: trendRows } = await tx.execute<Record<string, number | string | null>>(trendSql);
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const trend = trendRows.map((r) => ({
    month: String(r.month),
    visits: n(r.visits),
    total: n(r.total),
    fund: n(r.fund),
    perVisit: n(r.per_visit),
    examShare: n(r.exam_share),
    peerPerVisit: n(r.peer_per_visit),
    peerExamShare: n(r.peer_exam_share),
  }));

  // the subject's visits in the period and the period before (ind_visits is keyed by region and month)
  const col = sql.raw(`v.${VISIT_COL[kind]}`);
  const both = sql.param([...p.prev.months, ...p.period.months]);
  const cur = sql.param(p.period.months);
  const visits = sql`select v.* from ind_visits v where v.region_code = ${region} and v.month = any(${both}::date[]) and ${col} = ${id}`;

  const inst = kind === 'institution';
  // an institution's months (the same sums over the same valid visits), a doctor's or person's visits
  const { rows: st } = await tx.execute<Record<string, unknown>>(
    inst
      ? sql`
    select (month = any(${cur}::date[])) as cur, sum(visits)::int as visits, sum(total_amt)::float8 as total, sum(fund_amt)::float8 as fund,
      sum(exam_amt)::float8 as exam, sum(drug_amt)::float8 as drug
    from ind_institution_month where region_code = ${region} and fixmedins_code = ${id} and month = any(${both}::date[]) group by 1`
      : sql`
    select (v.month = any(${cur}::date[])) as cur, count(*)::int as visits, sum(medfee)::float8 as total, sum(fund)::float8 as fund,
      sum(exam_amt)::float8 as exam, sum(drug_amt)::float8 as drug
    from (${visits}) v group by 1`,
  );
  const curSt = structure(st.find((r) => r.cur === true));
  const prevSt = structure(st.find((r) => r.cur === false));

  const allMonths = [...p.prev.months, ...p.period.months].sort();
  const last = allMonths[allMonths.length - 1] ?? p.period.to;
  const bounds = { from: allMonths[0] ?? p.period.from, to: new Date(Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5, 7)), 1)).toISOString().slice(0, 10) };
  // institutions read the item rollup (large ones have tens of thousands of visits); doctors and persons are small enough to join
  const itemsSql =
    inst
      ? sql`
    select hilist_code as code, max(hilist_name) as name, max(med_chrgitm_type) as type,
      coalesce(sum(amount) filter (where month = any(${cur}::date[])), 0)::float8 as amount,
      coalesce(sum(amount) filter (where not month = any(${cur}::date[])), 0)::float8 as prev_amount,
      coalesce(sum(lines) filter (where month = any(${cur}::date[])), 0)::int as lines
    from ind_item_month where region_code = ${region} and fixmedins_code = ${id} and month = any(${both}::date[])
    group by hilist_code order by amount desc, code limit 12`
      : sql`
    select f.hilist_code as code, max(f.hilist_name) as name, max(f.med_chrgitm_type) as type,
      coalesce(sum(f.det_item_fee_sumamt) filter (where v.month = any(${cur}::date[])), 0)::float8 as amount,
      coalesce(sum(f.det_item_fee_sumamt) filter (where not v.month = any(${cur}::date[])), 0)::float8 as prev_amount,
      count(*) filter (where v.month = any(${cur}::date[]))::int as lines
    from (${visits}) v
    join fee_details f on f.admdvs = v.region_code and f.setl_id = v.setl_id and f.setl_time = v.setl_time
      -- the two periods' bounds as constants: each visit's lines are probed in the partitions of those months only, not in
      -- every monthly partition (the join key alone cannot prune)
      and f.setl_time >= ${bounds.from}::date::timestamp at time zone 'Asia/Shanghai' and f.setl_time < ${bounds.to}::date::timestamp at time zone 'Asia/Shanghai'
    group by f.hilist_code order by amount desc, code limit 12`;
  const { rows: items } = await tx.execute<{ code: string | null; name: string | null; type: string; amount: number; prev_amount: number; lines: number }>(itemsSql);

  const { rows: dx } = await tx.execute<{ code: string; visits: number; amount: number }>(
    inst
      ? sql`
    select coalesce(dise_codg, '（未填）') as code, sum(visits)::int as visits, sum(amount)::float8 as amount
    from ind_dx_month where region_code = ${region} and fixmedins_code = ${id} and month = any(${cur}::date[])
    group by 1 order by visits desc, amount desc limit 10`
      : sql`
    select coalesce(v.dise_codg, '（未填）') as code, count(*)::int as visits, sum(v.medfee)::float8 as amount
    from (${visits}) v
    where v.month = any(${cur}::date[]) group by 1 order by visits desc, amount desc limit 10`,
  );

  // visits with drug lines by their longest prescription: an institution's months count them, a doctor's or person's visits here
  const { rows: rxRows } = await tx.execute<Record<string, number | null>>(
    inst
      ? sql`select ${sql.raw(RX_DAYS_BUCKETS.map((b) => `sum(${b.col})::int as ${b.col}`).join(', '))} from ind_institution_month
          where region_code = ${region} and fixmedins_code = ${id} and month = any(${cur}::date[])`
      : sql`select ${sql.raw(rxDaysCounts())} from (${visits}) v where v.month = any(${cur}::date[])`,
  );
  const rx = RX_DAYS_BUCKETS.map((b) => ({ bucket: b.label, visits: Number(rxRows[0]?.[b.col] ?? 0) }));

  // the costliest claims: for an institution, the top of each month of its index (region, institution, month, cost)
  const { rows: claims } = await tx.execute<{ setl_id: string; setl_time: string; psn_no: string; fixmedins_code: string; medfee: number; fund: number; exam: number; drug: number; max_days: number | null }>(
    sql`
    select v.setl_id, v.setl_time::text as setl_time, v.psn_no, v.fixmedins_code, v.medfee::float8 as medfee, v.fund::float8 as fund,
      v.exam_amt::float8 as exam, v.drug_amt::float8 as drug, v.max_days
    from ${
      inst
        ? sql`unnest(${cur}::date[]) m(month) cross join lateral (
        select * from ind_visits x where x.region_code = ${region} and x.fixmedins_code = ${id} and x.month = m.month order by x.medfee desc limit 15) v`
        : sql`(${visits}) v where v.month = any(${cur}::date[])`
    }
    order by v.medfee desc, v.setl_id limit 15`,
  );

  const subjectType = kind;
  const { rows: alertRows } = await tx.execute<{ id: number; rule_id: string; severity: string; status: string; period_key: string; amount: number; explanation: string }>(sql`
    select id, rule_id, severity, status, period_key, amount::float8 as amount, explanation from alerts
    where region_code = ${region} and subject_type = ${subjectType} and subject_id = ${id}
    order by period_start desc, id desc limit 50`);
  const { rows: caseRows } = await tx.execute<{ id: number; case_no: string; title: string; stage: string }>(sql`
    select id, case_no, title, stage from cases where region_code = ${region} and subject_type = ${subjectType} and subject_id = ${id} order by id desc limit 20`);

  let name: string | null = null;
  const info: Record<string, string | number | null> = {};
  if (kind === 'institution') {
    const { rows } = await tx.execute<{ fixmedins_name: string; fixmedins_type: string; hosp_lv: number; fee_class: number | null; designated: boolean; annual_budget: number | null }>(
      sql`select fixmedins_name, fixmedins_type, hosp_lv, fee_class, designated, annual_budget::float8 as annual_budget from institutions where region_code = ${region} and fixmedins_code = ${id}`,
    );
    const r = rows[0];
    name = r?.fixmedins_name ?? null;
    const { rows: b } = await tx.execute<{ peer_key: string; budget_use: number | null; fund_ytd: number | null }>(
      sql`select peer_key, budget_use, fund_ytd::float8 as fund_ytd from ind_institution_month where region_code = ${region} and fixmedins_code = ${id} and month <= ${p.period.to}::date order by month desc limit 1`,
    );
    Object.assign(info, {
      type: r?.fixmedins_type ?? null,
      level: r?.hosp_lv ?? null,
      feeClass: r?.fee_class ?? null,
      designated: r ? (r.designated ? '是' : '否') : null,
      annualBudget: r?.annual_budget ?? null,
      fundYtd: b[0]?.fund_ytd ?? null,
      budgetUse: b[0]?.budget_use ?? null,
      peerKey: b[0]?.peer_key ?? null,
    });
  } else if (kind === 'doctor') {
    const { rows } = await tx.execute<{ dr_name: string | null; fixmedins_code: string | null; dept_codg: string | null; fixmedins_name: string | null }>(sql`
      select d.dr_name, d.fixmedins_code, d.dept_codg, i.fixmedins_name from doctors d
      left join institutions i on i.region_code = d.region_code and i.fixmedins_code = d.fixmedins_code
      where d.region_code = ${region} and d.dr_codg = ${id}`);
    name = rows[0]?.dr_name ?? null;
    Object.assign(info, { institution: rows[0]?.fixmedins_code ?? null, institutionName: rows[0]?.fixmedins_name ?? null, dept: rows[0]?.dept_codg ?? null });
  } else {
    const { rows } = await tx.execute<{ psn_type: string; gend: string | null; brdy: string | null }>(
      sql`select psn_type, gend, brdy::text as brdy from insured_persons where region_code = ${region} and psn_no = ${id}`,
    );
    Object.assign(info, { psnType: rows[0]?.psn_type ?? null, gend: rows[0]?.gend ?? null, birthYear: rows[0]?.brdy?.slice(0, 4) ?? null });
  }

  return {
    kind,
    id,
    regionCode: region,
    name,
    info,
    trend,
    structure: { cur: curSt, prev: prevSt },
    topItems: items.map((r) => ({ code: r.code, name: r.name, type: r.type, amount: Number(r.amount), prevAmount: Number(r.prev_amount), lines: r.lines })),
    diagnoses: dx.map((r) => ({ code: r.code, visits: r.visits, amount: Number(r.amount) })),
    rxDays: rx,
    claims: claims.map((r) => ({
      setlId: r.setl_id,
      setlTime: r.setl_time,
      psnNo: r.psn_no,
      institution: r.fixmedins_code,
      medfee: Number(r.medfee),
      fund: Number(r.fund),
      exam: Number(r.exam),
      drug: Number(r.drug),
      maxDays: r.max_days,
    })),
    alerts: alertRows.map((r) => ({ id: r.id, ruleId: r.rule_id, severity: r.severity, status: r.status, periodKey: r.period_key, amount: Number(r.amount), explanation: r.explanation })),
    cases: caseRows.map((r) => ({ id: r.id, caseNo: r.case_no, title: r.title, stage: r.stage })),
  };
}
