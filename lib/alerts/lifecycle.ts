/**
 * Alert lifecycle: new → assigned → confirmed | dismissed (false positive, reason required) → case.
 * Every operation: permission check first, one transaction through scoped() (RLS applies to the
 * actor's regions), an alert_events row per alert and an audit row, all in that transaction.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { audit } from '../audit';
import type { Db, Tx } from '../db/client';
import { alertEvents, alerts } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { ForbiddenError, InputError, NotFoundError } from '../errors';

/** withdrawn: set by a rule re-run only (upsert.ts), when an untouched alert no longer holds. */
export type AlertStatus = 'new' | 'assigned' | 'confirmed' | 'dismissed' | 'case' | 'withdrawn';

/** Which statuses each transition may start from. */
const FROM: Record<Exclude<AlertStatus, 'new' | 'withdrawn'>, AlertStatus[]> = {
  assigned: ['new', 'assigned'],
  confirmed: ['new', 'assigned'],
  dismissed: ['new', 'assigned', 'confirmed'],
  case: ['confirmed'],
};

function canAct(actor: Actor): void {
  if (actor.role === 'viewer') throw new ForbiddenError('只读用户不能处理预警 (viewers cannot act on alerts)');
}

async function transition(
  tx: Tx,
  actor: Actor,
  ids: number[],
  to: Exclude<AlertStatus, 'new' | 'withdrawn'>,
  set: Partial<typeof alerts.$inferInsert>,
  action: string,
  reason: string | null,
): Promise<number[]> {
  if (!ids.length) throw new InputError('未选择预警 (no alert ids)', { field: 'ids' });
  const rows = await tx
    .select({ id: alerts.id, status: alerts.status, regionCode: alerts.regionCode })
    .from(alerts)
    .where(inArray(alerts.id, ids))
    .for('update');
  const found = new Map(rows.map((r) => [r.id, r]));
  for (const id of ids) {
    const r = found.get(id);
    if (!r) throw new NotFoundError(`预警 ${id} 不存在或不在您的辖区 (alert ${id} not found)`);
    if (!FROM[to].includes(r.status as AlertStatus)) {
      throw new InputError(`预警 ${id} 当前状态为 ${r.status}，不能改为 ${to}`, { field: 'status' });
    }
  }
  for (const r of rows) {
    await tx
      .update(alerts)
      .set({ ...set, status: to, updatedAt: new Date() })
      .where(and(eq(alerts.id, r.id), eq(alerts.regionCode, r.regionCode)));
    await tx.insert(alertEvents).values({ alertId: r.id, regionCode: r.regionCode, userId: actor.userId, action, fromStatus: r.status, toStatus: to, reason });
    await audit(tx, actor, { action: `alert.${action}`, entity: 'alert', entityId: r.id, regionCode: r.regionCode, before: { status: r.status }, after: { status: to, ...set, reason } });
  }
  return rows.map((r) => r.id);
}

/** 分派: give alerts to an inspector. */
export async function assignAlerts(db: Db, actor: Actor, ids: number[], userId: number): Promise<number[]> {
  canAct(actor);
  return scoped(db, actor, (tx) => transition(tx, actor, ids, 'assigned', { assignedTo: userId }, 'assign', null));
}

/** 确认: the finding holds (may then become a case). */
export async function confirmAlerts(db: Db, actor: Actor, ids: number[], note?: string): Promise<number[]> {
  canAct(actor);
  return scoped(db, actor, (tx) => transition(tx, actor, ids, 'confirmed', {}, 'confirm', note?.trim() || null));
}

/** 排除（误报）: a false positive; the reason is required and kept. */
export async function dismissAlerts(db: Db, actor: Actor, ids: number[], reason: string): Promise<number[]> {
  canAct(actor);
  const r = reason?.trim();
  if (!r) throw new InputError('排除预警必须填写原因 (a dismissal needs a reason)', { field: 'reason' });
  return scoped(db, actor, (tx) => transition(tx, actor, ids, 'dismissed', { dismissReason: r }, 'dismiss', r));
}

/** 转案件: link confirmed alerts to a case (called by the cases module inside its own transaction). */
export async function markAlertsCase(tx: Tx, actor: Actor, ids: number[], caseId: number): Promise<number[]> {
  canAct(actor);
  return transition(tx, actor, ids, 'case', { caseId }, 'case', null);
}
