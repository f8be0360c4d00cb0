/**
 * 审批拟处罚: a reviewer (复核/法制, penalty.decide) approves the penalty an inspector proposed, so the notice
 * (告知书) may state it. Permission first; one scoped() transaction with the case event and the audit row.
 */
import { eq } from 'drizzle-orm';
import { audit } from '../audit';
import { assertCan } from '../auth/permissions';
import type { Db } from '../db/client';
import { cases } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { InputError } from '../errors';
import { yuan } from '../format';
import { lockCase, recordStageEvent } from './load';
import { PENALTY_STAGES, STAGE_LABEL, type Stage } from './stages';
import { penaltyApproved, type CasePenalty } from './types';

export async function approvePenalty(db: Db, actor: Actor, caseId: number, input: { comment?: string }) {
  assertCan(actor, 'penalty.decide');
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > 2000) throw new InputError('审批意见不能超过 2000 字', { field: 'comment' });
  return scoped(db, actor, async (tx) => {
    const c = await lockCase(tx, actor, caseId);
    if (!(PENALTY_STAGES as readonly string[]).includes(c.stage)) {
      throw new InputError(`案件处于「${STAGE_LABEL[c.stage as Stage] ?? c.stage}」阶段，没有待审批的拟处罚`, { field: 'stage' });
    }
    const penalty = c.penalty as CasePenalty | null;
    if (!penalty) throw new InputError('尚未拟定处罚，无可审批的内容', { field: 'penalty' });
    if (penaltyApproved(penalty)) throw new InputError('拟处罚已经审批，无须重复审批', { field: 'penalty' });
    const approval = { by: actor.name, userId: actor.userId, at: new Date().toISOString(), comment };
    const value: CasePenalty = { ...penalty, approval };
    await tx.update(cases).set({ penalty: value, updatedAt: new Date() }).where(eq(cases.id, c.id));
    await recordStageEvent(tx, actor, c, `审批拟处罚（${penalty.setBy} 拟定，合计 ${yuan(c.penaltyTotal)}）${comment ? `：${comment}` : ''}`, { approval, penalty: penalty.contract });
    await audit(tx, actor, { action: 'case.penalty.approve', entity: 'case', entityId: c.id, regionCode: c.regionCode, before: { approval: null }, after: { approval, total: penalty.contract.total } });
    return value;
  });
}
