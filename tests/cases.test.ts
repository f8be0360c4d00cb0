import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCase } from '../lib/cases/create';
import { recordPayment } from '../lib/cases/payments';
import { getCaseDetail, listCases } from '../lib/cases/queries';
import { setCasePenalty } from '../lib/cases/set-penalty';
import { transitionCase } from '../lib/cases/transition';
import type { Db } from '../lib/db/client';
import { alerts, auditLog, caseEvents, cases, suspensions } from '../lib/db/schema';
import type { Actor } from '../lib/db/scoped';
import { ForbiddenError, InputError, NotFoundError } from '../lib/errors';
import { insertAlerts, makeActors } from './cases-fixture';
import { testDatabase } from './db';

let db: Db;
let A: Awaited<ReturnType<typeof makeActors>>;
let other: Actor;

async function fieldOfAsync(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e.where?.field ?? 'no field';
    throw e;
  }
  return 'no error';
}

async function auditCount(caseId: number, action: string) {
  const rows = await db.select().from(auditLog).where(and(eq(auditLog.entity, 'case'), eq(auditLog.entityId, String(caseId)), eq(auditLog.action, action)));
  return rows.length;
}

beforeAll(async () => {
  ({ db } = await testDatabase());
  A = await makeActors(db);
  other = (await makeActors(db, ['360100'])).inspector;
});

describe('opening a case from alerts', () => {
  it('links the alerts, sums their amounts, sets status and audits', async () => {
    const ids = await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'H1', subjectName: '城区社区卫生服务中心', period: '2024-03', amount: 1_000_000 },
      { subjectType: 'institution', subjectId: 'H1', subjectName: '城区社区卫生服务中心', period: '2024-04', amount: 2_000_000 },
    ]);
    const c = await createCase(db, A.inspector, { alertIds: ids, comment: '两月超额支付，立案调查' }, { today: '2026-11-23' });
    expect(c.caseNo).toMatch(/^140500-2026-\d{5}$/);
    const [row] = await db.select().from(cases).where(eq(cases.id, c.id));
    expect(row).toMatchObject({ stage: 'filed', violationAmount: 3_000_000, subjectType: 'institution', subjectId: 'H1', decisionDue: '2027-02-21', stageDeadline: '2027-02-21' });
    const linked = await db.select().from(alerts).where(eq(alerts.caseId, c.id));
    expect(linked.map((a) => a.status)).toEqual(['case', 'case']);
    expect(await auditCount(c.id, 'case.open')).toBe(1);
    // the same alert cannot go into a second case
    expect(await fieldOfAsync(createCase(db, A.inspector, { alertIds: [ids[0] ?? 0], comment: 'x' }))).toBe('alertIds');
  });

  it('refuses mixed subjects, other regions, region alerts and roles without case.open', async () => {
    const [a, b, r, far] = await insertAlerts(db, [
      { subjectType: 'institution', subjectId: 'H2', period: '2024-03', amount: 100 },
      { subjectType: 'institution', subjectId: 'H3', period: '2024-03', amount: 100 },
      { subjectType: 'region', subjectId: '140500', period: '2024-03', amount: 100 },
      { region: '360100', subjectType: 'institution', subjectId: 'H2', period: '2024-03', amount: 100 },
    ]);
    expect(await fieldOfAsync(createCase(db, A.inspector, { alertIds: [a ?? 0, b ?? 0], comment: 'x' }))).toBe('alertIds');
    expect(await fieldOfAsync(createCase(db, A.inspector, { alertIds: [r ?? 0], comment: 'x' }))).toBe('alertIds');
    // an alert of another region is invisible to this inspector
    expect(await fieldOfAsync(createCase(db, A.inspector, { alertIds: [far ?? 0], comment: 'x' }))).toBe('alertIds');
    expect(await fieldOfAsync(createCase(db, other, { alertIds: [a ?? 0, far ?? 0], comment: 'x' }))).toBe('alertIds');
    expect(await fieldOfAsync(createCase(db, A.inspector, { alertIds: [a ?? 0], comment: '' }))).toBe('comment');
    await expect(createCase(db, A.viewer, { alertIds: [a ?? 0], comment: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('an institution case through every stage, with legal review', () => {
  let id = 0;
  beforeAll(async () => {
    const ids = await insertAlerts(db, [{ subjectType: 'institution', subjectId: 'H9', subjectName: '某药店', period: '2024-05', amount: 3_000_000 }]);
    id = (await createCase(db, A.inspector, { alertIds: ids, comment: '立案' }, { today: '2026-11-23' })).id;
  });

  it('refuses skipping a stage and transitions without a comment', async () => {
    expect(await fieldOfAsync(transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }))).toBe('to');
    expect(await fieldOfAsync(transitionCase(db, A.inspector, id, { to: 'decided', comment: '决定' }))).toBe('to');
    expect(await fieldOfAsync(transitionCase(db, A.inspector, id, { to: 'investigating', comment: ' ' }))).toBe('comment');
    await expect(transitionCase(db, A.viewer, id, { to: 'investigating', comment: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(transitionCase(db, other, id, { to: 'investigating', comment: 'x' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('filed → investigating; no notice before a penalty', async () => {
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调取结算数据' }, { today: '2026-11-23' });
    expect(await fieldOfAsync(transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }))).toBe('penalty');
  });

  it('proposes the tier multiple; an override needs a reason and stays within 2–5', async () => {
    // 30000 元: band 1 → 一般, 3×: principal 30000 + 0, damages 90000, total 120000
    const p = await setCasePenalty(db, A.reviewer, id, {});
    expect(p.contract).toMatchObject({ principal: '30000.00', damages: '90000.00', total: '120000.00', multiple: 3 });
    expect(p.proposed).toMatchObject({ tier: 'general', multiple: 300 });
    expect(await fieldOfAsync(setCasePenalty(db, A.reviewer, id, { multiple: '4' }))).toBe('reason');
    expect(await fieldOfAsync(setCasePenalty(db, A.reviewer, id, { multiple: '6', reason: '情节特别严重' }))).toBe('multiple');
    expect(await fieldOfAsync(setCasePenalty(db, A.reviewer, id, { multiple: '1.5', reason: '情节轻微主动退回' }))).toBe('multiple');
    const o = await setCasePenalty(db, A.reviewer, id, { multiple: '2.5', ownPay: '1200.50', reason: '主动退回部分款项，酌情从轻' });
    expect(o.contract).toMatchObject({ principal: '31200.50', damages: '75000.00', total: '106200.50', multiple: 2.5 });
    expect(o.override).toEqual({ reason: '主动退回部分款项，酌情从轻' });
    await expect(setCasePenalty(db, A.viewer, id, {})).rejects.toBeInstanceOf(ForbiddenError);
    const [row] = await db.select().from(cases).where(eq(cases.id, id));
    expect([row?.penaltyTotal, row?.ownPayAmount]).toEqual([10_620_050, 120_050]);
  });

  it('notice sets the 5-working-day statement deadline and requires legal review above 10万', async () => {
    const r = await transitionCase(db, A.inspector, id, { to: 'notified', comment: '送达行政处罚事先告知书' }, { today: '2026-11-23' });
    expect(r.stageDeadline).toBe('2026-11-30');
    const [row] = await db.select().from(cases).where(eq(cases.id, id));
    expect([row?.noticeDate, row?.statementDeadline, row?.legalReviewRequired]).toEqual(['2026-11-23', '2026-11-30', true]);
    // within the statement period
    expect(await fieldOfAsync(transitionCase(db, A.inspector, id, { to: 'legal_review', comment: '送审' }, { today: '2026-11-30' }))).toBe('waiveStatement');
    // legal review cannot be skipped, even by a reviewer, once the period has run
    expect(await fieldOfAsync(transitionCase(db, A.reviewer, id, { to: 'decided', comment: '决定' }, { today: '2026-12-01' }))).toBe('to');
  });

  it('legal review → decided needs case.approve; decided fixes the 15-day payment deadline', async () => {
    await transitionCase(db, A.inspector, id, { to: 'legal_review', comment: '当事人未陈述申辩，送法制审核' }, { today: '2026-12-01' });
    await expect(transitionCase(db, A.viewer, id, { to: 'decided', comment: '通过' }, { today: '2026-12-02' })).rejects.toBeInstanceOf(ForbiddenError);
    const d = await transitionCase(db, A.reviewer, id, { to: 'decided', comment: '法制审核通过' }, { today: '2026-12-02' });
    expect(d.stageDeadline).toBe('2026-12-17');
    expect(await fieldOfAsync(setCasePenalty(db, A.reviewer, id, {}))).toBe('stage');
  });

  it('enforcing tracks payments and closes only when fully recovered', async () => {
    await transitionCase(db, A.inspector, id, { to: 'enforcing', comment: '送达决定书，开始执行' });
    await recordPayment(db, A.inspector, id, { kind: 'principal', amount: '31200.50', paidOn: '2026-12-05' });
    expect(await fieldOfAsync(transitionCase(db, A.inspector, id, { to: 'closed', comment: '结案' }))).toBe('to');
    expect(await fieldOfAsync(recordPayment(db, A.inspector, id, { kind: 'damages', amount: '75000.01', paidOn: '2026-12-06' }))).toBe('amount');
    const r = await recordPayment(db, A.inspector, id, { kind: 'damages', amount: '75000', paidOn: '2026-12-06' });
    expect(r).toEqual({ recovered: 10_620_050, outstanding: 0 });
    await transitionCase(db, A.inspector, id, { to: 'closed', comment: '执行完毕' });
    const detail = await getCaseDetail(db, A.inspector, id);
    expect(detail.case.stage).toBe('closed');
    expect(detail.events.filter((e) => e.fromStage !== e.toStage).map((e) => e.toStage)).toEqual(['filed', 'investigating', 'notified', 'legal_review', 'decided', 'enforcing', 'closed']);
    expect(detail.events.every((e) => e.comment)).toBe(true);
    expect(await auditCount(id, 'case.transition')).toBe(6);
    expect(await auditCount(id, 'case.payment')).toBe(2);
    expect(await auditCount(id, 'case.penalty')).toBe(2);
  });
});

describe('an insured-person case: no legal review below 5000 元, suspension recorded', () => {
  it('decides after a waived statement and writes the suspension', async () => {
    const ids = await insertAlerts(db, [{ rule: 'TWO-PLACES', subjectType: 'insured', subjectId: 'P0001234567', period: '2024-06', amount: 80_000 }]);
    const { id } = await createCase(db, A.inspector, { alertIds: ids, comment: '冒名就医嫌疑' }, { today: '2026-11-23' });
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调查' });
    expect(await fieldOfAsync(setCasePenalty(db, A.reviewer, id, { months: 2, reason: '理由理由' }))).toBe('months');
    expect(await fieldOfAsync(setCasePenalty(db, A.reviewer, id, { months: 6 }))).toBe('reason');
    expect(await fieldOfAsync(setCasePenalty(db, A.reviewer, id, { ownPay: '1' }))).toBe('ownPay');
    const p = await setCasePenalty(db, A.reviewer, id, { start: '2024-01-31' }, { today: '2026-11-23' });
    expect(p.contract).toEqual({ refund: '800.00', suspension_start: '2024-01-31', suspension_end: '2024-04-30', months: 3, fine: '0.00', total: '800.00', basis: expect.any(String) });
    await transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }, { today: '2026-11-23' });
    await expect(transitionCase(db, A.inspector, id, { to: 'decided', comment: '决定', waiveStatement: true }, { today: '2026-11-24' })).rejects.toBeInstanceOf(ForbiddenError);
    await transitionCase(db, A.reviewer, id, { to: 'decided', comment: '当事人书面放弃陈述申辩', waiveStatement: true }, { today: '2026-11-24' });
    const s = await db.select().from(suspensions).where(eq(suspensions.caseId, id));
    expect(s.map((x) => [x.psnNo, x.startDate, x.endDate])).toEqual([['P0001234567', '2024-01-31', '2024-04-30']]);
    const ev = await db.select().from(caseEvents).where(and(eq(caseEvents.caseId, id), eq(caseEvents.toStage, 'decided')));
    expect(ev[0]?.comment).toBe('当事人书面放弃陈述申辩');
  });
});

describe('other exits', () => {
  it('legal review can send a case back; investigating can close without a decision; closed is final', async () => {
    const ids = await insertAlerts(db, [{ subjectType: 'doctor', subjectId: 'D42', period: '2024-07', amount: 12_000_000 }]);
    const { id } = await createCase(db, A.inspector, { alertIds: ids, comment: '立案' }, { today: '2026-11-23' });
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调查' });
    // doctor cases use the institution path: 120000 元 → band 2 → 较重 4×
    const p = await setCasePenalty(db, A.reviewer, id, {});
    expect(p.contract).toMatchObject({ principal: '120000.00', damages: '480000.00', total: '600000.00', multiple: 4 });
    await transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }, { today: '2026-11-23' });
    await transitionCase(db, A.inspector, id, { to: 'legal_review', comment: '送审', waiveStatement: true }, { today: '2026-11-24' });
    await expect(transitionCase(db, A.inspector, id, { to: 'investigating', comment: '退回' })).rejects.toBeInstanceOf(ForbiddenError);
    await transitionCase(db, A.reviewer, id, { to: 'investigating', comment: '证据不足，退回补充调查' });
    await transitionCase(db, A.inspector, id, { to: 'closed', comment: '补充调查后不构成违规，终止调查' });
    for (const to of ['filed', 'investigating', 'decided', 'enforcing']) {
      expect(await fieldOfAsync(transitionCase(db, A.admin, id, { to, comment: 'x' }))).toBe('to');
    }
    expect(await fieldOfAsync(transitionCase(db, A.admin, id, { to: 'archived', comment: 'x' }))).toBe('to');
  });
});

describe('case list', () => {
  it('is paginated on the server and flags overdue cases first', async () => {
    const page1 = await listCases(db, A.inspector, { page: 1, pageSize: 2, today: '2026-11-23' });
    expect(page1.total).toBe(4);
    expect(page1.rows).toHaveLength(2);
    expect(page1.rows.some((r) => r.overdue)).toBe(false);
    // 2027-03-01 is past the 90-day decision deadline (2027-02-21) of the still-open first case
    const late = await listCases(db, A.inspector, { page: 1, pageSize: 10, today: '2027-03-01', overdueOnly: true });
    expect(late.rows.map((r) => r.stage)).toEqual(expect.arrayContaining(['filed']));
    expect(late.rows.every((r) => r.overdue)).toBe(true);
    const none = await listCases(db, other, { today: '2027-03-01' });
    expect(none.total).toBe(0);
  });
});
