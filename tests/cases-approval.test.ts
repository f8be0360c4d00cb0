/**
 * 拟处罚 and who acts next: an inspector proposes the penalty within the legal range (tier proposal, a
 * departure needs a reason), a reviewer approves it before the notice; every stage names who acts next,
 * the 待我办理 list follows it, and refusals are Chinese sentences.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { approvePenalty } from '../lib/cases/approve-penalty';
import { createCase } from '../lib/cases/create';
import { nextStep } from '../lib/cases/next-step';
import { recordPayment } from '../lib/cases/payments';
import { getCaseDetail, listCases } from '../lib/cases/queries';
import { setCasePenalty } from '../lib/cases/set-penalty';
import { transitionCase } from '../lib/cases/transition';
import type { Db } from '../lib/db/client';
import { auditLog, cases } from '../lib/db/schema';
import { ForbiddenError } from '../lib/errors';
import { insertAlerts, makeActors, refusal } from './cases-fixture';
import { testDatabase } from './db';

let db: Db;
let A: Awaited<ReturnType<typeof makeActors>>;

/** No English word in a message a person reads. */
const NO_ENGLISH = /^[^A-Za-z]*$/;

beforeAll(async () => {
  ({ db } = await testDatabase());
  A = await makeActors(db);
});

async function openCase(amount: number, subjectId: string) {
  const ids = await insertAlerts(db, [{ subjectType: 'institution', subjectId, subjectName: '某诊所', period: '2024-05', amount }]);
  return (await createCase(db, A.inspector, { alertIds: ids, comment: '立案' }, { today: '2026-11-23' })).id;
}

describe('拟处罚: the inspector proposes, the reviewer approves', () => {
  let id = 0;
  beforeAll(async () => {
    id = await openCase(3_000_000, 'HP1');
  });

  it('an inspector proposes in 调查 within the legal range; the notice waits for the reviewer', async () => {
    // before 调查 nothing may be proposed, and the message says why in Chinese
    const early = await refusal(setCasePenalty(db, A.inspector, id, {}));
    expect(early.field).toBe('stage');
    expect(early.message).toMatch(NO_ENGLISH);
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调取结算数据' }, { today: '2026-11-23' });
    const noPenalty = await refusal(transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }));
    expect(noPenalty).toMatchObject({ field: 'penalty' });
    expect(noPenalty.message).toMatch(NO_ENGLISH);

    // out of the legal range, or off the tier without a reason: refused, in Chinese
    const six = await refusal(setCasePenalty(db, A.inspector, id, { multiple: '6', reason: '情节特别严重' }));
    expect(six).toEqual({ field: 'multiple', message: '违约金倍数 6 倍超出法定幅度 2–5 倍' });
    const noReason = await refusal(setCasePenalty(db, A.inspector, id, { multiple: '4' }));
    expect(noReason.field).toBe('reason');
    expect(noReason.message).toMatch(NO_ENGLISH);

    // 30000 元 → 一般 3×: the tier's proposal, saved as a proposal
    const p = await setCasePenalty(db, A.inspector, id, {});
    expect(p.contract).toMatchObject({ principal: '30000.00', damages: '90000.00', total: '120000.00', multiple: 3 });
    expect(p.approval).toBeNull();
    const notYet = await refusal(transitionCase(db, A.inspector, id, { to: 'notified', comment: '送达告知书' }));
    expect(notYet.field).toBe('penalty');
    expect(notYet.message).toContain('尚未经 复核/法制 审批');
    expect(notYet.message).toMatch(NO_ENGLISH);
  });

  it('names the reviewer as next and puts the case in the reviewer’s 待办, not the inspector’s', async () => {
    const d = await getCaseDetail(db, A.inspector, id);
    expect(nextStep(d.case, '2026-11-23')).toEqual({ actor: 'reviewer', text: '下一步：由 复核/法制 审批拟处罚（稽核员甲 拟定，合计 120,000.00 元）' });
    const rev = await listCases(db, A.reviewer, { todo: true, today: '2026-11-23' });
    expect(rev.rows.map((r) => r.id)).toContain(id);
    expect(rev.rows.find((r) => r.id === id)?.next.actor).toBe('reviewer');
    const insp = await listCases(db, A.inspector, { todo: true, today: '2026-11-23' });
    expect(insp.rows.map((r) => r.id)).not.toContain(id);
  });

  it('only a reviewer approves, once; the approval is audited and opens the notice', async () => {
    await expect(approvePenalty(db, A.inspector, id, {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(approvePenalty(db, A.viewer, id, {})).rejects.toBeInstanceOf(ForbiddenError);
    const v = await approvePenalty(db, A.reviewer, id, { comment: '同意按一般档次' });
    expect(v.approval).toMatchObject({ by: '法制审核员乙', comment: '同意按一般档次' });
    expect((await refusal(approvePenalty(db, A.reviewer, id, {}))).message).toBe('拟处罚已经审批，无须重复审批');
    const audits = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'case'), eq(auditLog.entityId, String(id)), eq(auditLog.action, 'case.penalty.approve')));
    expect(audits).toHaveLength(1);
    const d = await getCaseDetail(db, A.inspector, id);
    expect(nextStep(d.case, '2026-11-23')).toEqual({ actor: 'inspector', text: '下一步：由 稽核员 送达行政处罚事先告知书' });

    // a new proposal by the inspector needs approval again
    await setCasePenalty(db, A.inspector, id, { ownPay: '100' });
    expect((await refusal(transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }))).field).toBe('penalty');
    await approvePenalty(db, A.reviewer, id, {});
    const r = await transitionCase(db, A.inspector, id, { to: 'notified', comment: '送达行政处罚事先告知书' }, { today: '2026-11-23' });
    expect(r.to).toBe('notified');
  });

  it('a reviewer’s own calculation is approved at once', async () => {
    const other = await openCase(500_000, 'HP2');
    await transitionCase(db, A.inspector, other, { to: 'investigating', comment: '调查' });
    const p = await setCasePenalty(db, A.reviewer, other, {});
    expect(p.approval).toMatchObject({ by: '法制审核员乙' });
    await transitionCase(db, A.inspector, other, { to: 'notified', comment: '告知' }, { today: '2026-11-23' });
    const [row] = await db.select().from(cases).where(eq(cases.id, other));
    expect(row?.stage).toBe('notified');
  });
});

describe('who acts next, per stage', () => {
  it('every stage names the role that acts next', async () => {
    const id = await openCase(3_000_000, 'HP3');
    const seen: Array<[string, string | null, string]> = [];
    const look = async (today: string) => {
      const d = await getCaseDetail(db, A.inspector, id);
      const s = nextStep(d.case, today);
      seen.push([d.case.stage, s.actor, s.text]);
    };
    await look('2026-11-23');
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调查' });
    await look('2026-11-23');
    await setCasePenalty(db, A.inspector, id, {});
    await look('2026-11-23');
    await approvePenalty(db, A.reviewer, id, {});
    await look('2026-11-23');
    await transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }, { today: '2026-11-23' });
    await look('2026-11-24');
    await transitionCase(db, A.inspector, id, { to: 'legal_review', comment: '送审', waiveStatement: true }, { today: '2026-11-24' });
    await look('2026-11-24');
    await transitionCase(db, A.reviewer, id, { to: 'decided', comment: '审核通过' }, { today: '2026-11-25' });
    await look('2026-11-25');
    await transitionCase(db, A.inspector, id, { to: 'enforcing', comment: '执行' });
    await recordPayment(db, A.inspector, id, { kind: 'principal', amount: '30000', paidOn: '2026-11-26' });
    await look('2026-11-26');
    await recordPayment(db, A.inspector, id, { kind: 'damages', amount: '90000', paidOn: '2026-11-27' });
    await look('2026-11-27');
    await transitionCase(db, A.inspector, id, { to: 'closed', comment: '执行完毕' });
    await look('2026-11-28');
    expect(seen).toEqual([
      ['filed', 'inspector', '下一步：由 稽核员 开始调查'],
      ['investigating', 'inspector', '下一步：由 稽核员 调查取证并拟定处罚（拟处罚），报 复核/法制 审批；不构成违规的可终止调查'],
      ['investigating', 'reviewer', '下一步：由 复核/法制 审批拟处罚（稽核员甲 拟定，合计 120,000.00 元）'],
      ['investigating', 'inspector', '下一步：由 稽核员 送达行政处罚事先告知书'],
      ['notified', 'inspector', '当事人陈述申辩、申请听证期限至 2026-11-30；期满或当事人放弃后，下一步：由 稽核员 提交法制审核（处理总额达到法制审核标准）'],
      ['legal_review', 'reviewer', '下一步：由 复核/法制 进行法制审核：通过并作出决定，或退回补充调查'],
      ['decided', 'inspector', '下一步：由 稽核员 送达处罚决定书并进入执行'],
      ['enforcing', 'inspector', '下一步：由 稽核员 登记缴款（尚未执行 90,000.00 元），执行完毕后结案'],
      ['enforcing', 'inspector', '下一步：由 稽核员 结案（已全部执行）'],
      ['closed', null, '已结案，无须再办理'],
    ]);
  });

  it('below the legal-review amount the reviewer decides after the notice', async () => {
    const id = await openCase(500_000, 'HP4');
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调查' });
    await setCasePenalty(db, A.reviewer, id, {});
    await transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }, { today: '2026-11-23' });
    const d = await getCaseDetail(db, A.inspector, id);
    expect(nextStep(d.case, '2026-12-01')).toEqual({ actor: 'reviewer', text: '下一步：由 复核/法制 作出处罚决定（处理总额低于法制审核标准，可不经法制审核）' });
    const rev = await listCases(db, A.reviewer, { todo: true, today: '2026-12-01' });
    expect(rev.rows.map((r) => r.id)).toContain(id);
    // the admin does both roles' work
    const adm = await listCases(db, A.admin, { todo: true, today: '2026-12-01' });
    expect(adm.rows.map((r) => r.id)).toContain(id);
  });

  it('refused transitions say why in Chinese', async () => {
    const id = await openCase(3_000_000, 'HP5');
    const skip = await refusal(transitionCase(db, A.inspector, id, { to: 'decided', comment: '决定' }));
    expect(skip.message).toBe('不允许从「立案」直接转到「决定」');
    const none = await refusal(transitionCase(db, A.inspector, id, { to: 'investigating', comment: ' ' }));
    expect(none.message).toBe('须填写意见');
    const pay = await refusal(recordPayment(db, A.inspector, id, { kind: 'principal', amount: '1', paidOn: '2026-11-26' }));
    expect(pay.message).toMatch(NO_ENGLISH);
    await expect(transitionCase(db, A.viewer, id, { to: 'investigating', comment: 'x' })).rejects.toThrow(/^只读丁（只读）无权推进案件$/);
  });
});
