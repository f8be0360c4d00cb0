/** EXCL-*: a claim in one of the digest's exclusions on which the fund still paid (a clear violation). */
import type { Rule } from './types';
import { visitGroup, visitLocal } from './visit-group';

export function exclusionRule(o: { id: string; nameZh: string; bit: number; what: string; scenario?: string }): Rule {
  const visit = { where: `(flags & ${o.bit}) <> 0 and fund > 0`, value: 'sum(fund)', threshold: '0' };
  return {
    id: o.id,
    nameZh: o.nameZh,
    resultType: 'violation',
    window: 'visit',
    scenario: o.scenario ?? '医院门诊、定点药店',
    stage: 'post',
    subject: 'institution',
    severity: 'high',
    thresholds: [],
    unit: 'yuan',
    template: `{subject} {period} 有 {n} 笔${o.what}的结算仍由统筹基金支付，合计 {amount}，属于不予支付情形；依据 {basis}`,
    visit,
    local: visitLocal('institution', visit.where),
    sql: visitGroup({ subject: 'institution', ...visit }),
  };
}
