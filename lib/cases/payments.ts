/** 执行: record money received (principal, damages, refund or fine) against a decided case. */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import { assertCan } from '../auth/permissions';
import type { Db } from '../db/client';
import { casePayments, cases } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { InputError } from '../errors';
import { parseIsoDate } from '../penalties/dates';
import { yuanGrouped } from '../format';
import { parseYuan } from '../penalties/money';
import { lockCase, recordStageEvent } from './load';

export const paymentInput = z.object({
  kind: z.enum(['principal', 'damages', 'refund', 'fine'], { message: '请选择缴款类别（追回本金、违约金、退还待遇或罚款）' }),
  amount: z.union([z.string(), z.number()], { message: '请填写缴款金额' }),
  paidOn: z.string({ message: '请填写缴款日期' }),
  comment: z.string().trim().max(2000, '备注不能超过 2000 字').optional(),
});
export type PaymentInput = z.input<typeof paymentInput>;

export const PAYMENT_KIND_ZH: Record<string, string> = { principal: '追回本金', damages: '违约金', refund: '退还待遇', fine: '罚款' };

export async function recordPayment(db: Db, actor: Actor, caseId: number, input: PaymentInput) {
  assertCan(actor, 'case.transition');
  const parsed = paymentInput.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InputError(i?.message ?? '输入有误', { field: i?.path.join('.') });
  }
  const p = parsed.data;
  const amount = parseYuan(p.amount, 'amount', '缴款金额');
  if (amount <= 0) throw new InputError('缴款金额必须大于 0', { field: 'amount' });
  const paidOn = parseIsoDate(p.paidOn, 'paidOn');
  return scoped(db, actor, async (tx) => {
    const c = await lockCase(tx, actor, caseId);
    if (c.stage !== 'decided' && c.stage !== 'enforcing') throw new InputError('只有决定、执行阶段可以登记缴款', { field: 'stage' });
    if (c.recoveredAmount + amount > c.penaltyTotal) {
      throw new InputError(`登记后将超过应收总额 ${yuanGrouped(c.penaltyTotal)} 元`, { field: 'amount' });
    }
    await tx.insert(casePayments).values({ caseId: c.id, regionCode: c.regionCode, kind: p.kind, amount, paidOn, comment: p.comment ?? null, userId: actor.userId });
    const recovered = c.recoveredAmount + amount;
    await tx.update(cases).set({ recoveredAmount: recovered, updatedAt: new Date() }).where(eq(cases.id, c.id));
    await recordStageEvent(tx, actor, c, `登记${PAYMENT_KIND_ZH[p.kind]} ${yuanGrouped(amount)} 元（${paidOn}）${p.comment ? `：${p.comment}` : ''}`, { payment: { kind: p.kind, amount, paidOn } });
    await audit(tx, actor, { action: 'case.payment', entity: 'case', entityId: c.id, regionCode: c.regionCode, after: { kind: p.kind, amount, paidOn, recovered } });
    return { recovered, outstanding: c.penaltyTotal - recovered };
  });
}
