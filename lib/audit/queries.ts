/** Read side of the audit log (admin page). Run inside scoped(): RLS keeps rows to the reader's regions. */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../db/client';
import { auditLog } from '../db/schema';

export const auditQuery = z.object({
  page: z.coerce.number().int().min(1).max(100000).default(1),
  pageSize: z.coerce.number().int().min(10).max(200).default(50),
  action: z.string().trim().regex(/^[a-z_.]{1,64}$/).optional().catch(undefined),
  entity: z.string().trim().regex(/^[a-z_]{1,64}$/).optional().catch(undefined),
});
export type AuditQuery = z.input<typeof auditQuery>;

export async function listAudit(tx: Tx, q: AuditQuery) {
  const p = auditQuery.parse(q);
  const conds: SQL[] = [];
  if (p.action) conds.push(eq(auditLog.action, p.action));
  if (p.entity) conds.push(eq(auditLog.entity, p.entity));
  const where = conds.length ? and(...conds) : undefined;
  const [rows, total] = await Promise.all([
    tx.select().from(auditLog).where(where).orderBy(desc(auditLog.id)).limit(p.pageSize).offset((p.page - 1) * p.pageSize),
    tx.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(where),
  ]);
  return { rows, total: total[0]?.n ?? 0, page: p.page, pageSize: p.pageSize };
}

export async function auditActions(tx: Tx): Promise<string[]> {
  const rows = await tx.selectDistinct({ a: auditLog.action }).from(auditLog).orderBy(auditLog.action);
  return rows.map((r) => r.a);
}
