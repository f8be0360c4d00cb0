import { exclusionRule } from './exclusion';

export const exclOutOfArea = exclusionRule({
  id: 'EXCL-OUT-OF-AREA',
  nameZh: '临时外出异地普通门诊费用由统筹支付',
  bit: 64,
  what: '临时外出人员在异地发生的普通门诊',
  basis: [{ doc: '晋市医保发〔2022〕22号', clause: '四 不予支付第12项', text: '临时外出就医人员(包括转诊转院或自行在异地就医人员)在异地发生的普通门诊费用' }, { doc: '南昌市门诊共济实施细则（征求意见稿）', clause: '第十五条（五）', text: '未办理异地安置及转诊备案手续在统筹地区以外医药机构发生的医疗费用' }],
});
