/** Reads for the case pages and the export, always inside scoped() so RLS keeps to the actor's regions. */
import { and, asc, count, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db, Tx } from '../db/client';
import { alerts, caseAlerts, caseEvents, casePayments, cases, feeDetails, regions, settlements, suspensions, users } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { NotFoundError } from '../errors';
import { todayShanghai } from '../penalties/dates';
import { inRegions } from './create';
import { isOverdue } from './deadlines';
import { nextStep, waitsFor } from './next-step';
import { isStage } from './stages';

export interface ListParams {
  page?: number;
  pageSize?: number;
  stage?: string;
  overdueOnly?: boolean;
  /** 待办: only cases whose next step is this user's (next-step.ts) */
  todo?: boolean;
  today?: string;
}

function overdueExpr(today: string) {
  return sql<boolean>`(case
    when ${cases.stage} in ('filed','investigating','notified','legal_review') then coalesce(${cases.decisionDue} < ${today}::date, false)
    when ${cases.stage} in ('decided','enforcing') then coalesce(${cases.paymentDue} < ${today}::date and ${cases.recoveredAmount} < ${cases.penaltyTotal}, false)
    else false end)`;
}

export async function listCases(db: Db, actor: Actor, p: ListParams = {}) {
  const page = Math.max(1, Math.floor(p.page ?? 1));
  const pageSize = Math.min(100, Math.max(1, Math.floor(p.pageSize ?? 20)));
  const today = p.today ?? todayShanghai();
  const overdue = overdueExpr(today);
  // RLS limits rows too; the explicit region filter keeps the query right on a database without the policies.
  const regionFilter = actor.regions.includes('*') ? undefined : inArray(cases.regionCode, actor.regions.length ? actor.regions : ['------']);
  const where = and(regionFilter, p.stage && isStage(p.stage) ? eq(cases.stage, p.stage) : undefined, p.overdueOnly ? overdue : undefined);
  const columns = {
    id: cases.id,
    caseNo: cases.caseNo,
    regionCode: cases.regionCode,
    subjectType: cases.subjectType,
    subjectId: cases.subjectId,
    subjectName: cases.subjectName,
    title: cases.title,
    stage: cases.stage,
    violationAmount: cases.violationAmount,
    penaltyTotal: cases.penaltyTotal,
    recoveredAmount: cases.recoveredAmount,
    stageDeadline: cases.stageDeadline,
    openedAt: cases.openedAt,
    penalty: cases.penalty,
    legalReviewRequired: cases.legalReviewRequired,
    statementDeadline: cases.statementDeadline,
    overdue,
  };
  const withStep = <T extends Parameters<typeof nextStep>[0]>(r: T) => {
    const { penalty: _penalty, ...rest } = r as T & { penalty: unknown };
    return { ...rest, next: nextStep(r, today) };
  };
  return scoped(db, actor, async (tx) => {
    const ordered = tx.select(columns).from(cases).orderBy(desc(overdue), desc(cases.openedAt), desc(cases.id));
    if (p.todo) {
      // which cases wait for whom is decided by next-step.ts, so the open cases are read and filtered here
      const open = await ordered.where(and(where, ne(cases.stage, 'closed')));
      const mine = open.map(withStep).filter((r) => waitsFor(r.next, actor));
      return { rows: mine.slice((page - 1) * pageSize, page * pageSize), total: mine.length, page, pageSize };
    }
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(cases).where(where);
    const rows = await ordered
      .where(where)
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return { rows: rows.map(withStep), total: Number(n), page, pageSize };
  });
}

export async function loadCaseDetail(tx: Tx, actor: Actor, id: number, today = todayShanghai()) {
  const [c] = await tx.select().from(cases).where(eq(cases.id, id));
  if (!c || !inRegions(actor, c.regionCode)) throw new NotFoundError(`案件 ${id} 不存在或不在您的统筹区`);
  const events = await tx
    .select({ id: caseEvents.id, at: caseEvents.at, fromStage: caseEvents.fromStage, toStage: caseEvents.toStage, comment: caseEvents.comment, data: caseEvents.data, userName: users.name })
    .from(caseEvents)
    .leftJoin(users, eq(users.id, caseEvents.userId))
    .where(eq(caseEvents.caseId, id))
    .orderBy(asc(caseEvents.at), asc(caseEvents.id));
  const linked = await tx
    .select()
    .from(alerts)
    .innerJoin(caseAlerts, and(eq(caseAlerts.alertId, alerts.id), eq(caseAlerts.regionCode, alerts.regionCode)))
    .where(eq(caseAlerts.caseId, id))
    .orderBy(asc(alerts.periodStart), asc(alerts.id));
  const payments = await tx.select().from(casePayments).where(eq(casePayments.caseId, id)).orderBy(asc(casePayments.paidOn), asc(casePayments.id));
  const susp = await tx.select().from(suspensions).where(eq(suspensions.caseId, id));
  const [region] = await tx.select({ name: regions.name }).from(regions).where(eq(regions.code, c.regionCode));
  return { case: c, regionName: region?.name ?? null, overdue: isOverdue(c, today), events, alerts: linked.map((r) => r.alerts), payments, suspensions: susp };
}

export type CaseDetail = Awaited<ReturnType<typeof loadCaseDetail>>;

export async function getCaseDetail(db: Db, actor: Actor, id: number, today?: string) {
  return scoped(db, actor, (tx) => loadCaseDetail(tx, actor, id, today));
}

/** The claims and fee lines the linked alerts cite (evidence.setl_ids), in the case's region. */
export async function loadEvidence(tx: Tx, regionCode: string, alertRows: Array<{ evidence: unknown }>) {
  const ids = new Set<string>();
  for (const a of alertRows) {
    const e = a.evidence as { setl_ids?: unknown } | null;
    if (Array.isArray(e?.setl_ids)) for (const s of e.setl_ids) if (typeof s === 'string') ids.add(s);
  }
  const list = [...ids];
  if (!list.length) return { claims: [], lines: [] };
  const claims = await tx
    .select()
    .from(settlements)
    .where(and(eq(settlements.admdvs, regionCode), inArray(settlements.setlId, list)))
    .orderBy(asc(settlements.setlTime), asc(settlements.setlId));
  const lines = await tx
    .select()
    .from(feeDetails)
    .where(and(eq(feeDetails.admdvs, regionCode), inArray(feeDetails.setlId, list)))
    .orderBy(asc(feeDetails.setlTime), asc(feeDetails.setlId), asc(feeDetails.feedetlSn));
  return { claims, lines };
}
