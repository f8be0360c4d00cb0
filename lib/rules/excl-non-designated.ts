import { exclusionRule } from './exclusion';

export const exclNonDesignated = exclusionRule({
  id: 'EXCL-NON-DESIGNATED',
  nameZh: '非定点机构发生费用由统筹支付',
  bit: 1,
  what: '在非门诊统筹定点医药机构发生（非急诊抢救）',
  basis: [{ doc: '晋市医保发〔2022〕22号', clause: '四 不予支付第5项', text: '参保职工在非门诊统筹定点医药机构发生的门诊医疗费用(急诊抢救除外)' }, { doc: '南昌市门诊共济实施细则（征求意见稿）', clause: '第十五条（四）', text: '在非定点医药机构发生的医疗费用' }],
});
