/** Chinese labels for codes shown across the dashboard. */
export const SEVERITY_LABEL: Record<string, string> = { high: '高', medium: '中', low: '低' };
export { ALERT_STATUS_LABEL as STATUS_LABEL } from '../alerts/verdict-reasons';
export const RESULT_LABEL: Record<string, string> = { violation: '明确违规', suspicious: '可疑' };
export const SUBJECT_TYPE_LABEL: Record<string, string> = { institution: '机构', doctor: '医师', insured: '参保人', region: '统筹区' };
export const INST_TYPE_LABEL: Record<string, string> = { hospital: '医院', pharmacy: '药店' };
export const LEVEL_LABEL: Record<number, string> = { 1: '一级', 2: '二级', 3: '三级' };
export const PSN_TYPE_LABEL = (t: string | null | undefined) => (!t ? '—' : t.startsWith('12') || t.startsWith('13') ? '退休' : t.startsWith('11') ? '在职' : t);

/** Where a subject's profile lives. */
export function subjectHref(type: string, id: string): string | null {
  if (type === 'institution') return `/institutions/${encodeURIComponent(id)}`;
  if (type === 'doctor') return `/doctors/${encodeURIComponent(id)}`;
  if (type === 'insured') return `/persons/${encodeURIComponent(id)}`;
  return null;
}
