import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { lockByRegion } from '../db/lock';
import { caseEvents, cases } from '../db/schema';
import type { Actor } from '../db/scoped';
import { NotFoundError } from '../errors';
import { inRegions } from './create';

/** The case row, locked for the rest of the transaction; outside the actor's regions it does not exist. */
export async function lockCase(tx: Tx, actor: Actor, caseId: number) {
  const [row] = await lockByRegion(tx, 'cases', [caseId], (region) =>
    tx.select().from(cases).where(and(eq(cases.regionCode, region), eq(cases.id, caseId))).for('update'),
  );
  if (!row || !inRegions(actor, row.regionCode)) throw new NotFoundError(`案件 ${caseId} 不存在或不在您的统筹区`);
  return row;
}

/** A step within the case's stage (a penalty set or approved, a payment) on its timeline: who, what, and the data behind it. */
export async function recordStageEvent(tx: Tx, actor: Actor, c: { id: number; regionCode: string; stage: string }, comment: string, data: Record<string, unknown>) {
  await tx.insert(caseEvents).values({ caseId: c.id, regionCode: c.regionCode, userId: actor.userId, fromStage: c.stage, toStage: c.stage, comment, data });
}
