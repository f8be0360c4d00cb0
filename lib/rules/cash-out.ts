import { forPersons, MONTH_PERIOD, th } from './sql-parts';
import type { Rule } from './types';

/** Repeated high-value purchases of the same drug at one pharmacy in a month: card cash-out / drug resale pattern. */
export const cashOut: Rule = {
  id: 'CASH-OUT',
  nameZh: '疑似医保卡套现（同店同药高额反复购药）',
  resultType: 'suspicious',
  window: 'month',
  scenario: '定点药店',
  stage: 'post',
  subject: 'insured',
  severity: 'medium',
  thresholds: ['cashOutMinPurchases', 'cashOutMinAmountFen'],
  unit: 'count',
  personLocal: true,
  template: '{subject} {period} 在药店 {extra.pharmacy} 购买同一药品 {value} 次（阈值 {threshold} 次，每次不低于 200 元），统筹支付 {amount}；依据 {basis}',
  sql: `
with l as (
  select v.region_code, v.psn_no, v.fixmedins_code, v.month, f.hilist_code, v.setl_id, v.fund
  from ind_visits v
  join fee_details f on f.admdvs = v.region_code and f.setl_id = v.setl_id and f.setl_time = v.setl_time
  where v.month = any($1::date[]) and v.region_code = any($2::text[]) and ${forPersons('v.psn_no')} and v.fixmedins_type = 'pharmacy' and v.medfee >= ${th('cashOutMinAmountFen')}
    and f.med_chrgitm_type in ('09', '10', '11') and f.hilist_code is not null
    and f.setl_time >= $4::date::timestamp at time zone 'Asia/Shanghai'
    and f.setl_time < $5::date::timestamp at time zone 'Asia/Shanghai'
),
g as (
  select region_code, psn_no, fixmedins_code, month, hilist_code, count(distinct setl_id)::int as k, array_agg(distinct setl_id) as ids
  from l group by 1, 2, 3, 4, 5 having count(distinct setl_id) >= ${th('cashOutMinPurchases')}
),
top as (
  select distinct on (region_code, psn_no, month) * from g order by region_code, psn_no, month, k desc
)
select t.region_code, 'insured' as subject_type, t.psn_no as subject_id, ${MONTH_PERIOD},
  t.k::float8 as value, ${th('cashOutMinPurchases')} as threshold, t.k as n,
  (select sum(v.fund) from ind_visits v where v.region_code = t.region_code and v.month = t.month and v.setl_id = any(t.ids))::bigint as amount,
  t.ids as setl_ids, jsonb_build_object('pharmacy', t.fixmedins_code, 'drug', t.hilist_code) as extra
from top t`,
};
