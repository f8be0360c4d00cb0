/**
 * The append-only audit trail. Write the audit row in the same transaction as the change it records,
 * so a change without its audit row (or the reverse) cannot happen. UPDATE/DELETE are refused by a trigger.
 */
import { auditLog } from '../db/schema';
import type { DbOrTx } from '../db/client';
import type { Actor } from '../db/scoped';

export interface AuditEntry {
  action: string;
  entity: string;
  entityId?: string | number | null;
  regionCode?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
}

export async function audit(tx: DbOrTx, actor: Actor, e: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    userId: actor.userId,
    actor: actor.name,
    action: e.action,
    entity: e.entity,
    entityId: e.entityId === undefined || e.entityId === null ? null : String(e.entityId),
    regionCode: e.regionCode ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    ip: e.ip ?? null,
  });
}
