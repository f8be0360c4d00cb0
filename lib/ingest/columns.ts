/**
 * Column names as data: every header a file may carry (NHSA platform field names, their usual
 * Chinese column names, a few readable aliases) mapped to the one NHSA field name used inside.
 * The record kind (settlements, fee details, master data) is recognised from the mapped columns.
 */

export type Kind = 'settlements' | 'details' | 'institutions' | 'doctors' | 'persons';

/** Chinese (and alias) header → NHSA field. NHSA names map to themselves implicitly. */
export const HEADER_ALIASES: Record<string, string> = {
  // 结算 settlements (NHSA setl_d)
  结算ID: 'setl_id',
  结算id: 'setl_id',
  结算编号: 'setl_id',
  原结算ID: 'init_setl_id',
  原结算id: 'init_setl_id',
  就诊ID: 'mdtrt_id',
  就诊id: 'mdtrt_id',
  人员编号: 'psn_no',
  人员类别: 'psn_type',
  人员姓名: 'psn_name',
  姓名: 'psn_name',
  证件号码: 'certno',
  身份证号: 'certno',
  性别: 'gend',
  出生日期: 'brdy',
  险种类型: 'insutype',
  医保区划: 'admdvs',
  参保地医保区划: 'admdvs',
  医疗类别: 'med_type',
  结算时间: 'setl_time',
  定点医药机构编号: 'fixmedins_code',
  机构编号: 'fixmedins_code',
  机构编码: 'fixmedins_code',
  定点医药机构名称: 'fixmedins_name',
  机构名称: 'fixmedins_name',
  机构类型: 'fixmedins_type',
  医院等级: 'hosp_lv',
  机构等级: 'hosp_lv',
  收费类别: 'fee_class',
  就医地医保区划: 'fixmedins_admdvs',
  机构所在区划: 'fixmedins_admdvs',
  病种编码: 'dise_codg',
  诊断编码: 'dise_codg',
  医疗费总额: 'medfee_sumamt',
  符合政策范围金额: 'inscp_scp_amt',
  全自费金额: 'fulamt_ownpay_amt',
  先行自付金额: 'preselfpay_amt',
  实际支付起付线: 'act_pay_dedc',
  起付线: 'act_pay_dedc',
  统筹基金支出: 'hifp_pay',
  个人账户支出: 'acct_pay',
  个人现金支出: 'psn_cash_pay',
  退费结算标志: 'refd_setl_flag',
  定点标志: 'designated',
  急诊标志: 'emergency',
  持卡标志: 'has_card',
  定点处方标志: 'rx_from_designated',
  异地临时就医标志: 'out_of_area_temporary',
  欠费标志: 'in_arrears',
  住院期间标志: 'inpatient_overlap',
  暂停结算标志: 'suspended',
  慢病标志: 'chronic',
  // 费用明细 fee details (NHSA fee_list_d)
  费用明细流水号: 'feedetl_sn',
  明细流水号: 'feedetl_sn',
  医疗收费项目类别: 'med_chrgitm_type',
  收费项目等级: 'chrgitm_lv',
  医保目录编码: 'hilist_code',
  医保目录名称: 'hilist_name',
  医药机构目录编码: 'medins_list_codg',
  数量: 'cnt',
  单价: 'pric',
  明细项目费用总额: 'det_item_fee_sumamt',
  开单医生编码: 'bilg_dr_codg',
  开单医生姓名: 'bilg_dr_name',
  开单科室编码: 'bilg_dept_codg',
  开单科室名称: 'bilg_dept_name',
  用药天数: 'medc_days',
  // master data
  所属区划: 'region_code',
  区划: 'region_code',
  region: 'region_code',
  是否定点: 'designated',
  总额预算: 'annual_budget',
  年度总额预算: 'annual_budget',
  医师编码: 'dr_codg',
  医生编码: 'dr_codg',
  医师姓名: 'dr_name',
  医生姓名: 'dr_name',
  科室编码: 'dept_codg',
  科室名称: 'dept_name',
  // readable aliases
  level: 'hosp_lv',
  type: 'fixmedins_type',
  name: 'fixmedins_name',
  budget: 'annual_budget',
};

/** Fields the CONTRACT defines for each kind; anything else is kept in `extra`. */
export const KNOWN_FIELDS: Record<Kind, readonly string[]> = {
  settlements: [
    'setl_id', 'init_setl_id', 'psn_no', 'psn_type', 'admdvs', 'setl_time', 'fixmedins_code', 'fixmedins_type', 'hosp_lv', 'fee_class',
    'med_type', 'insutype', 'mdtrt_id', 'dise_codg', 'gend', 'brdy', 'medfee_sumamt', 'inscp_scp_amt', 'fulamt_ownpay_amt',
    'preselfpay_amt', 'act_pay_dedc', 'hifp_pay', 'acct_pay', 'psn_cash_pay', 'refd_setl_flag', 'designated', 'emergency', 'has_card',
    'rx_from_designated', 'out_of_area_temporary', 'in_arrears', 'inpatient_overlap', 'suspended', 'chronic',
  ],
  details: [
    'feedetl_sn', 'setl_id', 'med_chrgitm_type', 'chrgitm_lv', 'hilist_code', 'hilist_name', 'medins_list_codg', 'cnt', 'pric',
    'det_item_fee_sumamt', 'bilg_dr_codg', 'bilg_dept_codg', 'medc_days',
  ],
  institutions: ['region_code', 'fixmedins_code', 'fixmedins_name', 'fixmedins_type', 'hosp_lv', 'fee_class', 'designated', 'annual_budget'],
  doctors: ['region_code', 'dr_codg', 'dr_name', 'fixmedins_code', 'dept_codg'],
  persons: ['region_code', 'psn_no', 'psn_name', 'certno', 'psn_type', 'gend', 'brdy', 'insutype'],
};

/** Maps one header cell to its NHSA field name (trimmed; BOM and case of ASCII names ignored). */
export function canonicalField(header: string): string {
  const h = header.replace(/^\uFEFF/, '').trim();
  const alias = HEADER_ALIASES[h];
  if (alias) return alias;
  const lower = h.toLowerCase();
  return HEADER_ALIASES[lower] ?? lower;
}

/** The kind a set of (canonical) columns describes, or null when it is none of them. */
export function detectKind(fields: Iterable<string>): Kind | null {
  const f = new Set(fields);
  if (f.has('feedetl_sn') && f.has('setl_id')) return 'details';
  if (f.has('setl_id') && (f.has('medfee_sumamt') || f.has('psn_no'))) return 'settlements';
  if (f.has('dr_codg')) return 'doctors';
  if (f.has('psn_no')) return 'persons';
  if (f.has('fixmedins_code') && (f.has('fixmedins_name') || f.has('annual_budget') || f.has('hosp_lv'))) return 'institutions';
  return null;
}

/**
 * `test` for record keys, remembering per position the last key that passed. Records of one file mostly have the same
 * keys in the same order, and JSON.parse internalizes keys, so a key the previous record had at that place is the same
 * string and compares by pointer; only another key is tested (a Map or Set lookup per key, ~60M at 1M settlements).
 */
export function keyTestByPosition(test: (key: string) => boolean): (key: string, position: number) => boolean {
  const passed: string[] = [];
  return (key, position) => {
    if (key === passed[position]) return true;
    if (!test(key)) return false;
    passed[position] = key;
    return true;
  };
}
