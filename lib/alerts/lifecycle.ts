/**
 * Alert lifecycle: new → assigned → confirmed (opinion required) | dismissed (false positive: reason code
 * and text) → case; a confirmed or dismissed verdict may be withdrawn (撤销) back to new/assigned.
 * Every operation: permission check first, one transaction through scoped() (RLS applies to the
 * actor's regions), an alert_events row and an audit row per changed alert, all in that transaction.
 * Several alerts are worked alert by alert: one that cannot change is reported with its reason and
 * the others still change (VerdictResult); only a request that is wrong as a whole is refused.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { audit } from '../audit';
import type { Db, Tx } from '../db/client';
import { alertEvents, alerts, users } from '../db/schema';
import { lockByRegion } from '../db/lock';
import { scoped, type Actor } from '../db/scoped';
import { ForbiddenError, InputError } from '../errors';
import { ALERT_STATUS_LABEL, assigneeRefusal, assigneeRoleRefusal, dismissReasonLabel, isDismissReason, parseDismissReason, type DismissReasonCode } from './verdict-reasons';

/** withdrawn: set by a rule re-run only (upsert.ts), when an untouched alert no longer holds. */
export type AlertStatus = 'new' | 'assigned' | 'confirmed' | 'dismissed' | 'case' | 'withdrawn';

type Target = 'assigned' | 'confirmed' | 'dismissed' | 'case' | 'reopen';

/** Which statuses each transition may start from. */
const FROM: Record<Target, AlertStatus[]> = {
  assigned: ['new', 'assigned'],
  confirmed: ['new', 'assigned'],
  dismissed: ['new', 'assigned', 'confirmed'],
  case: ['confirmed'],
  reopen: ['confirmed', 'dismissed'],
};

const VERB: Record<Target, string> = { assigned: '分派', confirmed: '确认', dismissed: '排除', case: '立案', reopen: '撤销结论' };

export interface VerdictResult {
  changed: number[];
  unchanged: Array<{ id: number; reason: string }>;
}

const statusZh = (s: string) => ALERT_STATUS_LABEL[s] ?? s;

function canAct(actor: Actor): void {
  if (actor.role === 'viewer') throw new ForbiddenError('只读用户不能处理预警');
}

interface Step {
  to: Target;
  action: string;
  reason: string | null;
  reasonCode?: string | null;
  /** the columns to set besides status (may depend on the row) */
  set: (row: { status: string; assignedTo: number | null }) => Partial<typeof alerts.$inferInsert> & { status: string };
  /** a per-alert refusal besides the status check */
  refuse?: (row: { regionCode: string }) => string | null;
}

async function apply(tx: Tx, actor: Actor, ids: number[], step: Step): Promise<VerdictResult> {
  const unique = [...new Set(ids)];
  if (!unique.length) throw new InputError('未选择预警', { field: 'ids' });
  const rows = await lockByRegion(tx, 'alerts', unique, (region) =>
    tx
      .select({ id: alerts.id, status: alerts.status, regionCode: alerts.regionCode, assignedTo: alerts.assignedTo, dismissReason: alerts.dismissReason })
      .from(alerts)
      .where(and(eq(alerts.regionCode, region), inArray(alerts.id, unique)))
      .orderBy(alerts.id)
      .for('update'),
  );
  const found = new Map(rows.map((r) => [r.id, r]));
  const out: VerdictResult = { changed: [], unchanged: [] };
  for (const id of unique) {
    const r = found.get(id);
    if (!r) {
      out.unchanged.push({ id, reason: `预警 ${id} 不存在或不在您的辖区` });
      continue;
    }
    if (!FROM[step.to].includes(r.status as AlertStatus)) {
      out.unchanged.push({ id, reason: `预警 ${id} 当前状态为「${statusZh(r.status)}」，不能${VERB[step.to]}` });
      continue;
    }
    const refusal = step.refuse?.(r);
    if (refusal) {
      out.unchanged.push({ id, reason: `预警 ${id}：${refusal}` });
      continue;
    }
    const set = step.set(r);
    await tx
      .update(alerts)
      .set({ ...set, updatedAt: new Date() })
      .where(and(eq(alerts.id, r.id), eq(alerts.regionCode, r.regionCode)));
    await tx.insert(alertEvents).values({ alertId: r.id, regionCode: r.regionCode, userId: actor.userId, action: step.action, fromStatus: r.status, toStatus: set.status, reason: step.reason, reasonCode: step.reasonCode ?? null });
    await audit(tx, actor, {
      action: `alert.${step.action}`,
      entity: 'alert',
      entityId: r.id,
      regionCode: r.regionCode,
      before: { status: r.status, assignedTo: r.assignedTo, dismissReason: r.dismissReason },
      after: { ...set, reason: step.reason, reasonCode: step.reasonCode ?? null },
    });
    out.changed.push(r.id);
  }
  return out;
}

/** One line for a person: "成功 N 条，未变更 M 条：…". */
export function describeResult(done: string, r: VerdictResult): string {
  const head = `${done} ${r.changed.length} 条`;
  if (!r.unchanged.length) return head;
  return `${head}，未变更 ${r.unchanged.length} 条：${r.unchanged.map((u) => u.reason).join('；')}`;
}

/**
 * 分派: give alerts to a user who can see and work them (inspector/reviewer/admin, active, whose regions
 * include the alert's region). A missing user refuses the whole request; a region the user lacks refuses that alert.
 */
export async function assignAlerts(db: Db, actor: Actor, ids: number[], userId: number): Promise<VerdictResult> {
  canAct(actor);
  return scoped(db, actor, async (tx) => {
    const [u] = await tx.select({ id: users.id, name: users.name, role: users.role, regions: users.regions, active: users.active }).from(users).where(eq(users.id, userId));
    // a user who shares no region with the actor reads exactly as one that does not exist: nothing of another region's
    // accounts (name, role, whether active) is told by probing ids
    const shares = (r: string[]) => actor.regions.includes('*') || r.includes('*') || r.some((x) => actor.regions.includes(x));
    if (!u || !shares(u.regions)) throw new InputError(`处理人不存在（用户编号 ${userId}）`, { field: 'userId' });
    const whole = assigneeRoleRefusal(u);
    if (whole) throw new InputError(whole, { field: 'userId' });
    return apply(tx, actor, ids, {
      to: 'assigned',
      action: 'assign',
      reason: `分派给 ${u.name}`,
      set: () => ({ status: 'assigned', assignedTo: u.id }),
      refuse: (row) => assigneeRefusal(u, row.regionCode),
    });
  });
}

/** 确认违规: the finding holds (may then become a case); a written opinion is required. */
export async function confirmAlerts(db: Db, actor: Actor, ids: number[], opinion: string | undefined): Promise<VerdictResult> {
  canAct(actor);
  const text = opinion?.trim();
  if (!text) throw new InputError('确认违规须填写意见', { field: 'opinion' });
  if (text.length > 2000) throw new InputError('意见不能超过 2000 字', { field: 'opinion' });
  return scoped(db, actor, (tx) => apply(tx, actor, ids, { to: 'confirmed', action: 'confirm', reason: text, set: () => ({ status: 'confirmed', dismissReason: null }) }));
}

export interface DismissReason {
  code: string;
  text?: string;
}

/**
 * 排除（误报）: a false positive. The reason is one of DISMISS_REASONS plus text (text required for 其他);
 * a plain string is read by parseDismissReason ("已备案：…").
 */
export async function dismissAlerts(db: Db, actor: Actor, ids: number[], reason: DismissReason | string): Promise<VerdictResult> {
  canAct(actor);
  const r = typeof reason === 'string' ? (reason.trim() ? parseDismissReason(reason) : { code: '', text: '' }) : { code: reason.code, text: reason.text?.trim() ?? '' };
  if (!r.code) throw new InputError('排除预警须选择误报原因', { field: 'reasonCode' });
  if (!isDismissReason(r.code)) throw new InputError(`误报原因「${r.code}」不在可选范围内`, { field: 'reasonCode' });
  if (r.code === 'other' && !r.text) throw new InputError('误报原因为「其他」时须填写说明', { field: 'reason' });
  if (r.text.length > 2000) throw new InputError('说明不能超过 2000 字', { field: 'reason' });
  const code: DismissReasonCode = r.code;
  const shown = r.text ? `${dismissReasonLabel(code)}：${r.text}` : (dismissReasonLabel(code) ?? code);
  return scoped(db, actor, (tx) =>
    apply(tx, actor, ids, { to: 'dismissed', action: 'dismiss', reason: r.text || null, reasonCode: code, set: () => ({ status: 'dismissed', dismissReason: shown }) }),
  );
}

/** 撤销: withdraw a confirmed or dismissed verdict; the alert goes back to 已分派 (if it had a handler) or 待处理. */
export async function reopenAlerts(db: Db, actor: Actor, ids: number[], reason: string | undefined): Promise<VerdictResult> {
  canAct(actor);
  const text = reason?.trim();
  if (!text) throw new InputError('撤销结论须填写理由', { field: 'reason' });
  return scoped(db, actor, (tx) =>
    apply(tx, actor, ids, { to: 'reopen', action: 'reopen', reason: text, set: (row) => ({ status: row.assignedTo === null ? 'new' : 'assigned', dismissReason: null }) }),
  );
}

export type Verdict = { verdict: 'confirm'; opinion: string } | { verdict: 'dismiss'; reason: DismissReason | string } | { verdict: 'reopen'; reason: string };

/** The one entry point the browser, the bulk API and the CLI share for a verdict. */
export async function recordVerdict(db: Db, actor: Actor, ids: number[], v: Verdict): Promise<VerdictResult> {
  if (v.verdict === 'confirm') return confirmAlerts(db, actor, ids, v.opinion);
  if (v.verdict === 'dismiss') return dismissAlerts(db, actor, ids, v.reason);
  return reopenAlerts(db, actor, ids, v.reason);
}

/** 转案件: link confirmed alerts to a case (called by the cases module inside its own transaction); all or nothing. */
export async function markAlertsCase(tx: Tx, actor: Actor, ids: number[], caseId: number): Promise<number[]> {
  canAct(actor);
  const r = await apply(tx, actor, ids, { to: 'case', action: 'case', reason: null, set: () => ({ status: 'case', caseId }) });
  if (r.unchanged.length) throw new InputError(r.unchanged.map((u) => u.reason).join('；'), { field: 'ids' });
  return r.changed;
}
