/**
 * Moves a case to its next stage. Rules, in order: the transition must exist (no skipping a stage), the
 * actor must hold its permission, a comment is required; then the stage's own conditions:
 * - 告知 needs a computed penalty (行政处罚法 第四十四条: the notice states the intended sanction) and sets the
 *   statement/hearing deadline (5 working days, 第六十四条（一）/第八十五条) and whether 法制审核 is required
 *   (total ≥ the amount in policies/penalties, 第五十八条);
 * - leaving 告知 waits for that deadline unless the party has stated its case or waived (waiveStatement);
 * - 决定 without 法制审核 is refused when review is required; it fixes the payment deadline (第六十七条) and, for
 *   an insured person, records the suspension of networked settlement (seed 000 §七.3, 条例 第四十一条);
 * - 结案 from 执行 needs the sanction fully recovered.
 * Stage, event row and audit row are written in one transaction.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import { assertCan } from '../auth/permissions';
import type { Db } from '../db/client';
import { caseEvents, cases, suspensions } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { InputError } from '../errors';
import { yuanDecimal } from '../format';
import { todayShanghai } from '../penalties/dates';
import { loadPenaltyPolicy } from '../policies/penalties';
import { paymentDue, stageDeadline, statementDeadline } from './deadlines';
import { lockCase } from './load';
import { findTransition, isStage, STAGE_LABEL, type Stage } from './stages';
import { penaltyApproved, type CasePenalty } from './types';

export const transitionInput = z.object({
  to: z.string().refine(isStage, { message: '未知的案件阶段' }),
  comment: z.string().trim().min(1, '须填写意见').max(4000, '意见不能超过 4000 字'),
  /** the party stated its case or waived its right before the deadline */
  waiveStatement: z.boolean().default(false),
});
export type TransitionInput = z.input<typeof transitionInput>;

function label(s: string): string {
  return STAGE_LABEL[s as Stage] ?? s;
}

export async function transitionCase(db: Db, actor: Actor, caseId: number, input: TransitionInput, opts: { today?: string } = {}) {
  const parsed = transitionInput.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InputError(i?.message ?? '输入有误', { field: i?.path.join('.') });
  }
  const { to, comment, waiveStatement } = parsed.data;
  const policy = loadPenaltyPolicy();
  const today = opts.today ?? todayShanghai();
  return scoped(db, actor, async (tx) => {
    const c = await lockCase(tx, actor, caseId);
    const rule = findTransition(c.stage, to);
    if (!rule) throw new InputError(`不允许从「${label(c.stage)}」直接转到「${label(to)}」`, { field: 'to' });
    assertCan(actor, rule.action);
    const penalty = c.penalty as CasePenalty | null;
    const set: Partial<typeof cases.$inferInsert> = { stage: to, updatedAt: new Date() };
    const data: Record<string, unknown> = {};

    if (to === 'notified') {
      if (!penalty) throw new InputError('送达告知书前须先拟定处罚（行政处罚法 第四十四条：告知拟作出的行政处罚内容）', { field: 'penalty' });
      if (!penaltyApproved(penalty)) throw new InputError(`拟处罚（${penalty.setBy} 拟定）尚未经 复核/法制 审批，审批后方可送达告知书`, { field: 'penalty' });
      const threshold = policy.procedure.legalReviewYuan[c.subjectType as 'institution' | 'doctor' | 'insured'] ?? 0;
      set.noticeDate = today;
      set.statementDeadline = statementDeadline(policy, today);
      set.legalReviewRequired = c.penaltyTotal >= Math.round(threshold * 100);
      Object.assign(data, { noticeDate: today, statementDeadline: set.statementDeadline, legalReviewRequired: set.legalReviewRequired, thresholdYuan: threshold, penaltyTotal: yuanDecimal(c.penaltyTotal) });
    }
    if (c.stage === 'notified' && !waiveStatement && c.statementDeadline !== null && today <= c.statementDeadline) {
      throw new InputError(`陈述申辩、听证申请期限至 ${c.statementDeadline}，期满或当事人已陈述申辩、放弃后方可继续`, { field: 'waiveStatement' });
    }
    if (c.stage === 'notified' && waiveStatement) data.waiveStatement = true;
    if (c.stage === 'notified' && to === 'decided' && c.legalReviewRequired) {
      throw new InputError(`处理总额 ${yuanDecimal(c.penaltyTotal)} 元达到法制审核标准，须先经法制审核（行政处罚法 第五十八条）`, { field: 'to' });
    }
    if (to === 'decided') {
      if (!penalty) throw new InputError('作出决定前须先确定处罚', { field: 'penalty' });
      set.decidedAt = new Date();
      set.paymentDue = paymentDue(policy, today);
      data.decision = penalty.contract;
      if (penalty.calc.subject === 'insured') {
        const [s] = await tx
          .insert(suspensions)
          .values({ regionCode: c.regionCode, psnNo: c.subjectId, startDate: penalty.calc.suspensionStart, endDate: penalty.calc.suspensionEnd, caseId: c.id })
          .returning({ id: suspensions.id });
        data.suspension = { id: s?.id, start: penalty.calc.suspensionStart, end: penalty.calc.suspensionEnd };
      }
    }
    if (c.stage === 'enforcing' && to === 'closed' && c.recoveredAmount < c.penaltyTotal) {
      throw new InputError(`尚未执行完毕：应收 ${yuanDecimal(c.penaltyTotal)} 元，已收 ${yuanDecimal(c.recoveredAmount)} 元`, { field: 'to' });
    }
    if (to === 'closed') set.closedAt = new Date();
    set.stageDeadline = stageDeadline({
      stage: to,
      decisionDue: c.decisionDue,
      statementDeadline: set.statementDeadline ?? c.statementDeadline,
      paymentDue: set.paymentDue ?? c.paymentDue,
      penaltyTotal: c.penaltyTotal,
      recoveredAmount: c.recoveredAmount,
    });
    await tx.update(cases).set(set).where(eq(cases.id, c.id));
    await tx.insert(caseEvents).values({ caseId: c.id, regionCode: c.regionCode, userId: actor.userId, fromStage: c.stage, toStage: to, comment, data });
    await audit(tx, actor, {
      action: 'case.transition',
      entity: 'case',
      entityId: c.id,
      regionCode: c.regionCode,
      before: { stage: c.stage },
      after: { stage: to, comment, ...data },
    });
    return { id: c.id, from: c.stage, to, stageDeadline: set.stageDeadline ?? null };
  });
}
