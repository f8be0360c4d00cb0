/**
 * Words of the alert verdict, defined once: status labels, the reasons a finding may be dismissed as a
 * false positive (误报), and who may be given an alert. The reason code is stored in alert_events.reason_code
 * so rule quality (precision per rule, why alerts are dismissed) can be counted from data.
 */
import type { Role } from '../db/scoped';

export const ALERT_STATUS_LABEL: Record<string, string> = {
  new: '待处理',
  assigned: '已分派',
  confirmed: '已确认',
  dismissed: '已排除',
  case: '已立案',
  withdrawn: '已撤回',
};

export const DISMISS_REASONS = [
  { code: 'reasonable_use', label: '合理用药' },
  { code: 'filed', label: '已备案' },
  { code: 'data_error', label: '数据错误' },
  { code: 'threshold_strict', label: '阈值过严' },
  { code: 'other', label: '其他' },
] as const;
export type DismissReasonCode = (typeof DISMISS_REASONS)[number]['code'];

export function isDismissReason(code: string): code is DismissReasonCode {
  return DISMISS_REASONS.some((r) => r.code === code);
}

export function dismissReasonLabel(code: string | null | undefined): string | null {
  return DISMISS_REASONS.find((r) => r.code === code)?.label ?? null;
}

/**
 * A reason typed as one line (the CLI's --reason, the bulk API): "已备案：专科医院" or "filed: …" gives the code
 * and the rest is the text; a line that names no reason is 其他 with the whole line as text.
 */
export function parseDismissReason(line: string): { code: DismissReasonCode; text: string } {
  const s = line.trim();
  for (const r of DISMISS_REASONS) {
    for (const head of [r.label, r.code]) {
      if (s === head) return { code: r.code, text: '' };
      const m = new RegExp(`^${head}\\s*[：:，,]\\s*`).exec(s);
      if (m) return { code: r.code, text: s.slice(m[0].length).trim() };
    }
  }
  return { code: 'other', text: s };
}

/** Roles that work alerts; a viewer (只读) cannot act on what it is given. */
export const ASSIGNABLE_ROLES: readonly Role[] = ['inspector', 'reviewer', 'admin'];

export interface AssigneeCandidate {
  id: number;
  name: string;
  role: string;
  regions: string[];
  active: boolean;
}

/** Why this user cannot be given any alert (inactive, or a role that cannot act), or null. */
export function assigneeRoleRefusal(u: Pick<AssigneeCandidate, 'name' | 'role' | 'active'>): string | null {
  if (!u.active) return `${u.name} 的账户已停用，不能分派`;
  if (!(ASSIGNABLE_ROLES as readonly string[]).includes(u.role)) return `${u.name} 为只读用户，不能处理预警`;
  return null;
}

/** Why this user cannot be given an alert of this region, or null when they can. */
export function assigneeRefusal(u: AssigneeCandidate, regionCode: string): string | null {
  const r = assigneeRoleRefusal(u);
  if (r) return r;
  if (!u.regions.includes('*') && !u.regions.includes(regionCode)) return `${u.name} 的辖区不含 ${regionCode}，看不到该预警`;
  return null;
}
