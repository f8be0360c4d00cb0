import { eq } from 'drizzle-orm';
import type { Tx } from '../db/client';
import { cases } from '../db/schema';
import type { Actor } from '../db/scoped';
import { NotFoundError } from '../errors';
import { inRegions } from './create';

/** The case row, locked for the rest of the transaction; outside the actor's regions it does not exist. */
export async function lockCase(tx: Tx, actor: Actor, caseId: number) {
  const [row] = await tx.select().from(cases).where(eq(cases.id, caseId)).for('update');
  if (!row || !inRegions(actor, row.regionCode)) throw new NotFoundError(`案件 ${caseId} 不存在或不在您的统筹区`);
  return row;
}
