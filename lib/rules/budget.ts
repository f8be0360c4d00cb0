import { th, YEAR_PERIOD } from './sql-parts';
import type { Rule } from './types';

/** Fund paid to an institution from January to the latest month reaches its annual budget (总额预算). */
export const budget: Rule = {
  id: 'BUDGET',
  nameZh: '超出门诊统筹总额预算',
  resultType: 'suspicious',
  window: 'year',
  scenario: '医院门诊、定点药店',
  stage: 'post',
  subject: 'institution',
  severity: 'high',
  thresholds: ['budgetUse'],
  unit: 'percent',
  template: '{subject} {period} 截至 {extra.through} 统筹基金支付 {extra.fund} 元，占年度总额预算 {extra.budget} 元的 {value}（阈值 {threshold}），超出 {amount}；依据 {basis}',
  sql: `
with yrs as (select distinct date_trunc('year', m)::date as y from unnest($1::date[]) m),
last as (
  select distinct on (region_code, fixmedins_code, date_trunc('year', month)) region_code, fixmedins_code, date_trunc('year', month)::date as y, month,
    fund_ytd, annual_budget
  from ind_institution_month
  where region_code = any($2::text[]) and date_trunc('year', month)::date in (select y from yrs)
  order by region_code, fixmedins_code, date_trunc('year', month), month desc
)
select region_code, 'institution' as subject_type, fixmedins_code as subject_id, ${YEAR_PERIOD},
  fund_ytd::float8 / annual_budget as value, ${th('budgetUse')} as threshold, greatest(fund_ytd - annual_budget, 0)::bigint as amount,
  jsonb_build_object('through', to_char(month, 'YYYY年FMMM月'), 'fund', to_char(fund_ytd / 100.0, 'FM999999990.00'), 'budget', to_char(annual_budget / 100.0, 'FM999999990.00')) as extra
from last where annual_budget > 0 and fund_ytd::float8 / annual_budget >= ${th('budgetUse')}`,
};
