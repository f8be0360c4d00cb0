/**
 * 拟处罚 / 处罚计算 in a case. An inspector proposes (penalty.propose) and the proposal waits for a reviewer's
 * approval (approve-penalty.ts); a reviewer or admin (penalty.decide) computing it approves it at once. the multiple (institution) or months and fine multiple (insured) are proposed from
 * the discretion tiers of policies/penalties; a different value is accepted only inside the legal range
 * (2–5×, 3–12 months; seed 000 §七.3, 条例 第四十、四十一条) and only with a written reason.
 * Doctor cases are charged through the institution path: seed 000 §七.3 sanctions the 医药机构.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import { assertCan, can } from '../auth/permissions';
import type { Db } from '../db/client';
import { cases } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { InputError } from '../errors';
import { computePenalty, penaltyContract } from '../penalties/compute';
import { parseYuan } from '../penalties/money';
import { loadPenaltyPolicy } from '../policies/penalties';
import { lockCase, recordStageEvent } from './load';
import { PENALTY_STAGES, STAGE_LABEL, type Stage } from './stages';
import type { CasePenalty } from './types';

const optNum = z.union([z.string(), z.number()]).optional().transform((v) => (v === '' ? undefined : v));

export const setPenaltyInput = z.object({
  /** violation amount (fund paid on the violating items), yuan; default: the case's amount */
  amount: optNum,
  ownPay: optNum,
  multiple: optNum,
  months: optNum,
  start: z.string().optional().transform((v) => (v === '' ? undefined : v)),
  fraud: z.boolean().default(false),
  repeat: z.boolean().default(false),
  cooperation: z.boolean().default(false),
  reason: z.string().trim().max(2000, '理由不能超过 2000 字').optional(),
});
export type SetPenaltyInput = z.input<typeof setPenaltyInput>;

export async function setCasePenalty(db: Db, actor: Actor, caseId: number, input: SetPenaltyInput, opts: { today?: string } = {}) {
  assertCan(actor, 'penalty.propose');
  const approves = can(actor, 'penalty.decide');
  const parsed = setPenaltyInput.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InputError(i?.message ?? '输入有误', { field: i?.path.join('.') });
  }
  const p = parsed.data;
  const policy = loadPenaltyPolicy();
  return scoped(db, actor, async (tx) => {
    const c = await lockCase(tx, actor, caseId);
    if (!(PENALTY_STAGES as readonly string[]).includes(c.stage)) {
      throw new InputError(`案件处于「${STAGE_LABEL[c.stage as Stage] ?? c.stage}」阶段，不能修改处罚；只有调查、告知、法制审核阶段可以`, { field: 'stage' });
    }
    const amountFen = p.amount === undefined ? c.violationAmount : parseYuan(p.amount, 'amount');
    const insured = c.subjectType === 'insured';
    if (!insured && (p.months !== undefined || p.start !== undefined)) {
      throw new InputError('暂停月数、暂停起始日期仅适用于参保人案件', { field: 'months' });
    }
    if (insured && p.ownPay !== undefined) throw new InputError('个人自付金额仅适用于机构案件', { field: 'ownPay' });
    const calc = computePenalty(
      {
        subject: insured ? 'insured' : 'institution',
        amount: (amountFen / 100).toFixed(2),
        ownPay: insured ? undefined : (p.ownPay ?? (c.ownPayAmount / 100).toFixed(2)),
        multiple: p.multiple,
        months: insured ? p.months : undefined,
        start: insured ? p.start : undefined,
        fraud: p.fraud,
        repeat: p.repeat,
        cooperation: p.cooperation,
      },
      { policy, today: opts.today, region: c.regionCode },
    );
    const proposed = {
      tier: calc.tier.id,
      multiple: calc.subject === 'institution' ? Math.round(calc.tier.multiple * 100) : calc.fraud ? Math.round(calc.tier.fineMultiple * 100) : null,
      months: calc.subject === 'insured' ? calc.tier.months : null,
    };
    const chosenMultiple = calc.subject === 'institution' ? calc.multiple : calc.fineMultiple;
    const overridden = chosenMultiple !== proposed.multiple || (calc.subject === 'insured' && calc.months !== proposed.months);
    if (overridden && (!p.reason || p.reason.length < 4)) {
      throw new InputError(`改变裁量档次建议的${calc.subject === 'institution' ? '倍数' : '倍数或月数'}须写明理由（至少 4 个字）`, { field: 'reason' });
    }
    const value: CasePenalty = {
      calc,
      contract: penaltyContract(calc),
      factors: { fraud: p.fraud, repeat: p.repeat, cooperation: p.cooperation },
      proposed,
      override: overridden ? { reason: p.reason ?? '' } : null,
      setBy: actor.name,
      setAt: new Date().toISOString(),
      approval: approves ? { by: actor.name, userId: actor.userId, at: new Date().toISOString(), comment: null } : null,
    };
    const ownPayFen = calc.subject === 'institution' ? calc.ownPayFen : 0;
    await tx
      .update(cases)
      .set({ penalty: value, violationAmount: amountFen, ownPayAmount: ownPayFen, fraud: p.fraud ? 'yes' : 'no', penaltyTotal: calc.totalFen, updatedAt: new Date() })
      .where(eq(cases.id, c.id));
    await recordStageEvent(tx, actor, c, `${approves ? '处罚计算' : '拟处罚（待复核/法制审批）'}${overridden ? `（偏离建议档次）：${p.reason ?? ''}` : `：${calc.tier.label}档`}`, { penalty: value.contract, proposed, override: value.override, approved: approves });
    await audit(tx, actor, { action: 'case.penalty', entity: 'case', entityId: c.id, regionCode: c.regionCode, before: c.penalty, after: value });
    return value;
  });
}
