/**
 * Chinese labels for every code a user reads: the UI, the case file (XLSX, CSV, PDF) and the digest take them
 * from here, so a code means one thing everywhere. NHSA codes follow ../shared/CONTRACT.md (visit and fee
 * detail records).
 */
export const SEVERITY_LABEL: Record<string, string> = { high: '高', medium: '中', low: '低' };
import { ALERT_STATUS_LABEL } from '../alerts/verdict-reasons';
export const STATUS_LABEL: Record<string, string> = ALERT_STATUS_LABEL;
export const RESULT_LABEL: Record<string, string> = { violation: '明确违规', suspicious: '可疑' };
export const SUBJECT_TYPE_LABEL: Record<string, string> = { institution: '机构', doctor: '医师', insured: '参保人', region: '统筹区' };
export const INST_TYPE_LABEL: Record<string, string> = { hospital: '医院', pharmacy: '药店' };
export const LEVEL_LABEL: Record<number, string> = { 1: '一级', 2: '二级', 3: '三级' };
/** 医疗类别 med_type. */
export const MED_TYPE_LABEL: Record<string, string> = { '11': '普通门诊', '13': '急诊', '14': '门诊慢特病', '41': '定点药店购药' };
/** 医疗收费项目类别 med_chrgitm_type. */
export const CHRGITM_TYPE_LABEL: Record<string, string> = {
  '01': '床位',
  '02': '诊察',
  '03': '检查',
  '04': '化验',
  '05': '治疗',
  '06': '手术',
  '07': '护理',
  '08': '卫生材料',
  '09': '西药',
  '10': '中药饮片',
  '11': '中成药',
  '12': '一般诊疗',
  '13': '挂号',
  '14': '其他',
};
/** 收费项目等级 chrgitm_lv. */
export const CHRGITM_LV_LABEL: Record<string, string> = { '01': '甲类', '02': '乙类', '03': '丙类' };
/** Shanxi 收费类别 fee_class (the deductible and rate bands of 晋医保发〔2022〕12号). */
export const FEE_CLASS_LABEL: Record<string, string> = { '1': '一类', '2': '二类', '3': '三类' };

/** 人员类别 psn_type: NHSA 11xx in service, 12xx retired, 13xx 离休 (treated as retired); aliases as ingested. */
export function psnTypeName(t: string | null | undefined): string | null {
  if (!t) return null;
  if (t === 'in_service' || t.startsWith('11')) return '在职';
  if (t === 'retired' || t.startsWith('12')) return '退休';
  if (t.startsWith('13')) return '离休';
  return null;
}

/** The old display helper: the label alone ('—' when missing, the code when unknown). */
export const PSN_TYPE_LABEL = (t: string | null | undefined) => (!t ? '—' : (psnTypeName(t) ?? t));

export type CodeKind = 'psnType' | 'medType' | 'chrgitmType' | 'chrgitmLv' | 'feeClass' | 'hospLv' | 'instType' | 'severity' | 'status' | 'result' | 'subjectType';

function nameOf(kind: CodeKind, code: string): string | null {
  switch (kind) {
    case 'psnType':
      return psnTypeName(code);
    case 'medType':
      return MED_TYPE_LABEL[code] ?? null;
    case 'chrgitmType':
      return CHRGITM_TYPE_LABEL[code] ?? null;
    case 'chrgitmLv':
      return CHRGITM_LV_LABEL[code] ?? null;
    case 'feeClass':
      return FEE_CLASS_LABEL[code] ?? null;
    case 'hospLv':
      return LEVEL_LABEL[Number(code)] ?? null;
    case 'instType':
      return INST_TYPE_LABEL[code] ?? null;
    case 'severity':
      return SEVERITY_LABEL[code] ?? null;
    case 'status':
      return STATUS_LABEL[code] ?? null;
    case 'result':
      return RESULT_LABEL[code] ?? null;
    case 'subjectType':
      return SUBJECT_TYPE_LABEL[code] ?? null;
  }
}

/**
 * A code with its label, as an inspector cross-checks it against the platform: '1101 在职', '11 普通门诊',
 * '09 西药'. Word-like codes (severity, status…) show the label alone. An unknown code shows as it is; a
 * missing one as ''.
 */
export function codeLabel(kind: CodeKind, code: string | number | null | undefined): string {
  if (code === null || code === undefined || code === '') return '';
  const c = String(code);
  const name = nameOf(kind, c);
  if (!name) return c;
  return /^[0-9]+$/.test(c) && kind !== 'hospLv' ? `${c} ${name}` : name;
}

/** Where a subject's profile lives. */
export function subjectHref(type: string, id: string): string | null {
  if (type === 'institution') return `/institutions/${encodeURIComponent(id)}`;
  if (type === 'doctor') return `/doctors/${encodeURIComponent(id)}`;
  if (type === 'insured') return `/persons/${encodeURIComponent(id)}`;
  return null;
}
