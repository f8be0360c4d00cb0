/**
 * Audited reveal of a masked personal identifier. Pages, exports and mail show identifiers masked
 * (./mask.ts); a user holding 'reveal' may ask for one value at a time. The read runs in scoped(), so
 * a record outside the actor's regions is simply not found (RLS), and the audit row (action 'reveal',
 * entity, entity id, field — never the value itself) is written in the same transaction.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import type { Db, Tx } from '../db/client';
import { alerts, cases, insuredPersons, settlements } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { InputError, NotFoundError } from '../errors';
import { assertCan } from './permissions';

export const revealInput = z.discriminatedUnion('entity', [
  z.object({ entity: z.literal('insured_person'), id: z.string().trim().min(1).max(64), field: z.enum(['psn_no', 'psn_name', 'certno']) }),
  z.object({ entity: z.literal('alert'), id: z.coerce.number().int().positive(), field: z.enum(['subject_id', 'subject_name']) }),
  z.object({ entity: z.literal('case'), id: z.coerce.number().int().positive(), field: z.enum(['subject_id', 'subject_name']) }),
  z.object({ entity: z.literal('settlement'), id: z.string().trim().min(1).max(64), field: z.enum(['psn_no']) }),
]);
export type RevealInput = z.input<typeof revealInput>;

interface Found {
  value: string | null;
  regionCode: string;
}

async function find(tx: Tx, v: z.output<typeof revealInput>): Promise<Found | undefined> {
  switch (v.entity) {
    case 'insured_person': {
      const [r] = await tx
        .select({ regionCode: insuredPersons.regionCode, psn_no: insuredPersons.psnNo, psn_name: insuredPersons.psnName, certno: insuredPersons.certno })
        .from(insuredPersons)
        .where(eq(insuredPersons.psnNo, v.id))
        .limit(1);
      return r && { value: r[v.field], regionCode: r.regionCode };
    }
    case 'alert': {
      const [r] = await tx.select({ regionCode: alerts.regionCode, subject_id: alerts.subjectId, subject_name: alerts.subjectName, type: alerts.subjectType }).from(alerts).where(eq(alerts.id, v.id));
      return r && { value: r[v.field], regionCode: r.regionCode };
    }
    case 'case': {
      const [r] = await tx.select({ regionCode: cases.regionCode, subject_id: cases.subjectId, subject_name: cases.subjectName }).from(cases).where(eq(cases.id, v.id));
      return r && { value: r[v.field], regionCode: r.regionCode };
    }
    case 'settlement': {
      const [r] = await tx.select({ regionCode: settlements.admdvs, psn_no: settlements.psnNo }).from(settlements).where(eq(settlements.setlId, v.id)).limit(1);
      return r && { value: r.psn_no, regionCode: r.regionCode };
    }
  }
}

export async function revealValue(db: Db, actor: Actor, input: RevealInput, ctx: { ip?: string | null } = {}): Promise<string> {
  assertCan(actor, 'reveal');
  const parsed = revealInput.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InputError(i?.message ?? 'invalid', { field: i?.path.join('.') });
  }
  const v = parsed.data;
  return scoped(db, actor, async (tx) => {
    const found = await find(tx, v);
    if (!found) throw new NotFoundError(`记录不存在或不在您的辖区 (${v.entity} ${v.id} not found)`);
    await audit(tx, actor, { action: 'reveal', entity: v.entity, entityId: v.id, regionCode: found.regionCode, after: { field: v.field }, ip: ctx.ip });
    return found.value ?? '';
  });
}
