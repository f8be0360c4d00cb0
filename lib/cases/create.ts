/**
 * 立案: open a case from one or more alerts of one subject in one region.
 * Permission 'case.open' first; one transaction (scoped, so RLS limits the alerts to the actor's regions)
 * inserts the case, links the alerts, sets their status to 'case', writes the first stage event and the audit row.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import { assertCan } from '../auth/permissions';
import type { Db, Tx } from '../db/client';
import { ruleById } from '../rules';
import { alertEvents, alerts, caseAlerts, caseEvents, cases } from '../db/schema';
import { lockByRegion } from '../db/lock';
import { scoped, type Actor } from '../db/scoped';
import { InputError } from '../errors';
import { loadPenaltyPolicy } from '../policies/penalties';
import { todayShanghai } from '../penalties/dates';
import { decisionDue } from './deadlines';

export const openCaseInput = z.object({
  alertIds: z.array(z.number().int().positive()).min(1, '至少选择一条预警 choose at least one alert').max(500),
  title: z.string().trim().max(200).optional(),
  comment: z.string().trim().min(1, '立案意见不能为空').max(2000),
});
export type OpenCaseInput = z.input<typeof openCaseInput>;

const SUBJECTS = ['institution', 'doctor', 'insured'] as const;
const SUBJECT_ZH: Record<string, string> = { institution: '定点医药机构', doctor: '医师', insured: '参保人' };

export function inRegions(actor: Actor, region: string): boolean {
  return actor.regions.includes('*') || actor.regions.includes(region);
}

/**
 * 案件编号 REGION-YEAR-NNNNN, counted within the region and year: the next number after the highest
 * one the region already has that year. (It used to be the global case id, so a region's inspector
 * could read from their own numbers how many cases other regions opened.) A transaction-scoped advisory
 * lock per region and year makes two simultaneous 立案 take different numbers; existing cases keep
 * theirs, and counting continues above them.
 */
export async function nextCaseNo(tx: Tx, regionCode: string, year: string): Promise<string> {
  const prefix = `${regionCode}-${year}-`;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`case_no:${prefix}`}))`);
  const r = await tx.execute<{ n: number }>(
    sql`select coalesce(max(substring(case_no from ${`^${prefix}([0-9]{1,9})$`})::int), 0)::int as n
          from cases where region_code = ${regionCode} and case_no like ${`${prefix}%`}`,
  );
  return `${prefix}${String((r.rows[0]?.n ?? 0) + 1).padStart(5, '0')}`;
}

export async function createCase(db: Db, actor: Actor, input: OpenCaseInput, opts: { today?: string } = {}) {
  assertCan(actor, 'case.open');
  const parsed = openCaseInput.safeParse(input);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InputError(i?.message ?? '输入有误', { field: i?.path.join('.') });
  }
  const { alertIds, title, comment } = parsed.data;
  const ids = [...new Set(alertIds)];
  const policy = loadPenaltyPolicy();
  const today = opts.today ?? todayShanghai();
  return scoped(db, actor, async (tx) => {
    // Lock the alerts so two inspectors cannot put the same alert in two cases.
    const rows = await lockByRegion(tx, 'alerts', ids, (region) =>
      tx.select().from(alerts).where(and(eq(alerts.regionCode, region), inArray(alerts.id, ids))).for('update'),
    );
    const missing = ids.filter((id) => !rows.some((r) => r.id === id && inRegions(actor, r.regionCode)));
    if (missing.length) throw new InputError(`预警 ${missing.join('、')} 不存在或不在您的统筹区`, { field: 'alertIds' });
    const first = rows[0];
    if (!first) throw new InputError('未选择预警', { field: 'alertIds' });
    if (rows.some((r) => r.regionCode !== first.regionCode)) throw new InputError('所选预警须属于同一统筹区', { field: 'alertIds' });
    if (rows.some((r) => r.subjectType !== first.subjectType || r.subjectId !== first.subjectId)) {
      throw new InputError('所选预警须针对同一对象', { field: 'alertIds' });
    }
    if (!(SUBJECTS as readonly string[]).includes(first.subjectType)) {
      throw new InputError('统筹区整体指标预警不能立案，只有机构、医师、参保人可以立案', { field: 'alertIds' });
    }
    const taken = rows.filter((r) => r.caseId !== null || r.status === 'case' || r.status === 'dismissed' || r.status === 'withdrawn');
    if (taken.length) throw new InputError(`预警 ${taken.map((r) => r.id).join('、')} 已立案、已排除或已撤回，不能再立案`, { field: 'alertIds' });

    const amount = rows.reduce((s, r) => s + r.amount, 0);
    // Only an institution's name goes into the title: a person's identifiers stay masked wherever titles show.
    const name = first.subjectType === 'institution' ? (first.subjectName ?? first.subjectId) : '';
    const caseNo = await nextCaseNo(tx, first.regionCode, today.slice(0, 4));
    const [created] = await tx
      .insert(cases)
      .values({
        regionCode: first.regionCode,
        caseNo,
        subjectType: first.subjectType,
        subjectId: first.subjectId,
        subjectName: first.subjectName,
        title: title || `${SUBJECT_ZH[first.subjectType] ?? ''}${name} 涉嫌违规使用门诊统筹基金（${[...new Set(rows.map((r) => ruleById(r.ruleId)?.nameZh ?? r.ruleId))].join('、')}）`,
        stage: 'filed',
        violationAmount: amount,
        openedBy: actor.userId,
        decisionDue: decisionDue(policy, today),
        stageDeadline: decisionDue(policy, today),
      })
      .returning({ id: cases.id });
    if (!created) throw new Error('case insert returned nothing');
    await tx.insert(caseAlerts).values(rows.map((r) => ({ caseId: created.id, alertId: r.id, regionCode: r.regionCode })));
    await tx
      .update(alerts)
      .set({ status: 'case', caseId: created.id, updatedAt: new Date() })
      .where(and(inArray(alerts.id, ids), eq(alerts.regionCode, first.regionCode)));
    await tx.insert(alertEvents).values(
      rows.map((r) => ({ alertId: r.id, regionCode: r.regionCode, userId: actor.userId, action: 'case', fromStatus: r.status, toStatus: 'case', reason: `立案 ${caseNo}` })),
    );
    await tx.insert(caseEvents).values({ caseId: created.id, regionCode: first.regionCode, userId: actor.userId, fromStage: null, toStage: 'filed', comment, data: { alertIds: ids, amount } });
    await audit(tx, actor, {
      action: 'case.open',
      entity: 'case',
      entityId: created.id,
      regionCode: first.regionCode,
      after: { caseNo, alertIds: ids, subjectType: first.subjectType, violationAmount: amount },
    });
    return { id: created.id, caseNo, regionCode: first.regionCode };
  });
}
