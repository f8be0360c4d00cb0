/**
 * Delivery status for the settings page: the sent log (one row per week and recipient) with its
 * attempts, and the admin's re-send of a failed or unknown digest.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { mailAttempts, mailSent } from '../db/schema';
import type { Actor } from '../db/scoped';
import { allowResend } from './deliver';
import { deliverOne, type RecipientOutcome } from './run';
import { recipientFor } from './subscriptions';
import { defaultTransport } from './transport';
import { parseWeek } from './week';

export type SentRow = typeof mailSent.$inferSelect;
export type AttemptRow = typeof mailAttempts.$inferSelect;

/** The latest sent-log rows: one user's, or everyone's (admins). */
export async function listDeliveries(db: Db, p: { userId?: number; limit?: number }): Promise<Array<SentRow & { history: AttemptRow[] }>> {
  const rows = await db
    .select()
    .from(mailSent)
    .where(p.userId === undefined ? undefined : eq(mailSent.userId, p.userId))
    .orderBy(desc(mailSent.week), desc(mailSent.updatedAt))
    .limit(p.limit ?? 50);
  const ids = rows.map((r) => r.id);
  const attempts = ids.length ? await db.select().from(mailAttempts).where(inArray(mailAttempts.sentId, ids)).orderBy(desc(mailAttempts.at)) : [];
  return rows.map((r) => ({ ...r, history: attempts.filter((a) => a.sentId === r.id).slice(0, 10) }));
}

/** Admin: re-send one digest now (after a failure or an unconfirmed delivery). */
export async function resendDigest(db: Db, actor: Actor, sentId: number): Promise<RecipientOutcome> {
  const row = await allowResend(db, actor, sentId);
  const transport = defaultTransport();
  try {
    return await deliverOne(db, await recipientFor(db, row.userId), parseWeek(row.week), { send: true, transport });
  } finally {
    transport.close();
  }
}

export async function sentRow(db: Db, week: string, userId: number): Promise<SentRow | undefined> {
  const [r] = await db.select().from(mailSent).where(and(eq(mailSent.week, week), eq(mailSent.userId, userId)));
  return r;
}
