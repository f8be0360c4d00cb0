/**
 * The one-line outcome a page shows after a form (`?ok=CODE`, `?error=CODE[&field=NAME]`). The URL
 * carries only a code; the text comes from the fixed tables below, so a link can never make a page
 * display words of its author's choosing (a crafted "?error=请拨打…" showed as a system message).
 * Unknown codes show nothing.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AUTH_CONFIG } from '../auth/config';
import { ForbiddenError, InputError, NotFoundError } from '../errors';

export const FLASH_OK = {
  user_created: '已创建用户',
  user_saved: '已保存用户',
  password_reset: '密码已重置',
  password_changed: '密码已修改，其他设备上的登录已退出。',
  penalty_saved: '处罚已计算',
  penalty_proposed: '拟处罚已提交，待复核/法制审批',
  penalty_approved: '拟处罚已审批',
  stage_changed: '已转入下一阶段',
  payment_saved: '缴款已登记',
  subscription_saved: '订阅已保存',
  digest_resent: '周报已重发',
} as const;

export const FLASH_ERROR = {
  forbidden: '无权限执行此操作',
  not_found: '对象不存在或不在您的统筹区',
  invalid: '输入有误，请检查后重试',
  resend_failed: '重发失败，请稍后重试或查看发送记录',
  sign_in_invalid: '邮箱或密码错误',
  sign_in_locked: '账户因多次密码错误已锁定，请稍后再试',
  sign_in_rate_limited: '尝试次数过多，请稍后再试',
} as const;

/** For `error=invalid&field=NAME`: what is wrong with that field (form field names of this app). */
export const FLASH_FIELD: Record<string, string> = {
  email: '邮箱格式不正确或已被使用',
  name: '请填写姓名（最多 100 个字符）',
  role: '角色无效，或不能取消自己的管理员角色',
  active: '不能停用自己的账户',
  regions: '地区须为 6 位行政区划代码（逗号分隔），管理员可填 *',
  password: `密码须为 ${AUTH_CONFIG.passwordMinLength}–${AUTH_CONFIG.passwordMaxLength} 个字符，并包含字母和数字`,
  next: `新密码须为 ${AUTH_CONFIG.passwordMinLength}–${AUTH_CONFIG.passwordMaxLength} 个字符，并包含字母和数字，且不能与当前密码相同`,
  current: '当前密码不正确',
  confirm: '两次输入的新密码不一致',
  reason: '倍数或月数偏离裁量档次建议时，须填写偏离理由',
  amount: '金额无效（元，最多两位小数）',
  ownPay: '自付金额无效（元，最多两位小数）',
  multiple: '倍数无效或超出政策范围',
  months: '暂停月数无效或超出政策范围',
  start: '开始日期无效（YYYY-MM-DD）',
  penalty: '尚未计算处罚，或处罚不能修改',
  to: '案件不能转入该阶段',
  stage: '案件当前阶段不允许此操作',
  comment: '请填写意见（最多 2000 个字符）',
  waiveStatement: '须确认当事人放弃陈述申辩，或等待期满',
  kind: '缴款类别无效',
  paidOn: '缴款日期无效（YYYY-MM-DD）',
  minSeverity: '最低等级无效',
  rules: '规则无效',
  userId: '用户无效',
  alertIds: '预警无效',
};

export type FlashOk = keyof typeof FLASH_OK;
export type FlashError = keyof typeof FLASH_ERROR;

/**
 * The exact refusal the server gave (e.g. 送达告知书 before the penalty is approved) is worth more than a field's fixed
 * text, so an action may add it to the URL with a MAC under a key that lives only in this server process: the page
 * shows it only when the MAC verifies, so a link made elsewhere still shows nothing but the code's fixed text.
 */
const KEY_SLOT = Symbol.for('ofm.flashKey');
function flashKey(): Buffer {
  const g = globalThis as unknown as Record<symbol, Buffer | undefined>;
  g[KEY_SLOT] ??= randomBytes(32);
  return g[KEY_SLOT];
}
function mac(text: string): string {
  return createHmac('sha256', flashKey()).update(text, 'utf8').digest('base64url');
}
function signed(text: string): string {
  return `&m=${encodeURIComponent(text.slice(0, 300))}&s=${mac(text.slice(0, 300))}`;
}
function verified(text: string | undefined, sig: string | undefined): string | null {
  if (!text || !sig) return null;
  const want = Buffer.from(mac(text));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got) ? text : null;
}

/** The query string (without '?') an action redirects with after an error; other errors are rethrown. */
export function errorQuery(e: unknown): string {
  if (e instanceof ForbiddenError) return `error=forbidden${signed(e.message)}`;
  if (e instanceof NotFoundError) return 'error=not_found';
  if (e instanceof InputError) {
    const field = e.where?.field?.split('.')[0];
    return (field && Object.hasOwn(FLASH_FIELD, field) ? `error=invalid&field=${field}` : 'error=invalid') + signed(e.message);
  }
  throw e;
}

export function okQuery(code: FlashOk): string {
  return `ok=${code}`;
}

type Search = Record<string, string | string[] | undefined>;
const one = (sp: Search, k: string) => {
  const v = sp[k];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
};

/** The texts to show for a page's search params (from the tables only). */
export function flashFrom(sp: Search): { ok: string | null; error: string | null } {
  const ok = one(sp, 'ok');
  const err = one(sp, 'error');
  const field = one(sp, 'field');
  let error: string | null = null;
  const exact = err === 'invalid' || err === 'forbidden' ? verified(one(sp, 'm'), one(sp, 's')) : null;
  if (exact) error = err === 'invalid' ? `输入有误：${exact}` : exact;
  else if (err === 'invalid' && field && Object.hasOwn(FLASH_FIELD, field)) error = `输入有误：${FLASH_FIELD[field]}`;
  else if (err && Object.hasOwn(FLASH_ERROR, err)) error = FLASH_ERROR[err as FlashError];
  return { ok: ok && Object.hasOwn(FLASH_OK, ok) ? FLASH_OK[ok as FlashOk] : null, error };
}
