/**
 * The weekly digest's numbers: plain queries `fn(tx, params)` over `alerts` and `cases`, the same
 * tables and filters (lib/alerts/queries `alertWhere`) the dashboard and alert pages read. Run them
 * inside `scoped(db, recipientActor, …)`; the explicit region filter is required as well, so a
 * query can never widen past the recipient's regions even where RLS is not (yet) enabled.
 */
import { and, asc, gte, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { SEVERITY_LABEL as LABELS } from '../dashboard/labels';
import { alerts, cases, regions } from '../db/schema';

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Cases whose stage deadline falls within this many days of the mail date (or is past) are listed. */
export const DEADLINE_WINDOW_DAYS = 7;

export const SEVERITY_LABEL: Record<Severity, string> = { high: LABELS.high ?? '高', medium: LABELS.medium ?? '中', low: LABELS.low ?? '低' };

export interface AlertScope {
  /** region codes; must be non-empty (an empty scope sees nothing) */
  regions: string[];
  /** rule ids; empty = every rule */
  rules: string[];
  minSeverity: Severity;
}

export interface Window {
  /** instants: alerts first raised in [from, to) are "new" in the window */
  from: Date;
  to: Date;
}

/** Severities at or above `min`. */
export function severitiesFrom(min: Severity): Severity[] {
  return SEVERITIES.slice(0, SEVERITIES.indexOf(min) + 1);
}

function scopeWhere(s: AlertScope): SQL {
  const conds: SQL[] = [inArray(alerts.regionCode, s.regions.length ? s.regions : ['']), inArray(alerts.severity, severitiesFrom(s.minSeverity))];
  if (s.rules.length) conds.push(inArray(alerts.ruleId, s.rules));
  return and(...conds) as SQL;
}

function newIn(s: AlertScope, w: Window): SQL {
  return and(scopeWhere(s), gte(alerts.firstSeenAt, w.from), lt(alerts.firstSeenAt, w.to)) as SQL;
}

export interface RuleSeverityCount {
  ruleId: string;
  severity: string;
  n: number;
  /** fen at stake */
  amount: number;
}

/** New alerts of the window, by rule and severity. */
export async function newAlertsByRuleSeverity(tx: DbOrTx, s: AlertScope, w: Window): Promise<RuleSeverityCount[]> {
  return tx
    .select({ ruleId: alerts.ruleId, severity: alerts.severity, n: sql<number>`count(*)::int`, amount: sql<number>`coalesce(sum(${alerts.amount}), 0)::bigint` })
    .from(alerts)
    .where(newIn(s, w))
    .groupBy(alerts.ruleId, alerts.severity)
    .orderBy(asc(alerts.ruleId), asc(alerts.severity));
}

/**
 * The data period the window's new alerts cover: the first and last day of their periods (the settlements they
 * were found in), as opposed to the detection week (when they were found). Null when there is none.
 */
export async function newAlertsDataPeriod(tx: DbOrTx, s: AlertScope, w: Window): Promise<{ from: string; to: string } | null> {
  const [r] = await tx
    .select({ from: sql<string | null>`min(${alerts.periodStart})::text`, to: sql<string | null>`max(${alerts.periodEnd})::text` })
    .from(alerts)
    .where(newIn(s, w));
  return r?.from && r.to ? { from: r.from, to: r.to } : null;
}

/** New alerts of the window, by region (the chart and the subject line). */
export async function newAlertsByRegion(tx: DbOrTx, s: AlertScope, w: Window): Promise<Array<{ regionCode: string; n: number }>> {
  return tx
    .select({ regionCode: alerts.regionCode, n: sql<number>`count(*)::int` })
    .from(alerts)
    .where(newIn(s, w))
    .groupBy(alerts.regionCode)
    .orderBy(asc(alerts.regionCode));
}

export interface TopSubject {
  regionCode: string;
  subjectType: string;
  subjectId: string;
  subjectName: string | null;
  n: number;
  amount: number;
  maxSeverity: Severity;
  /** the subject's new alerts, most severe first (up to 5) */
  alertIds: number[];
}

/** Subjects with the most new alerts in the window (ties: larger amount first). */
export async function topSubjects(tx: DbOrTx, s: AlertScope, w: Window, limit = 10): Promise<TopSubject[]> {
  const rank = sql`case ${alerts.severity} when 'high' then 3 when 'medium' then 2 else 1 end`;
  const rows = await tx
    .select({
      regionCode: alerts.regionCode,
      subjectType: alerts.subjectType,
      subjectId: alerts.subjectId,
      subjectName: sql<string | null>`max(${alerts.subjectName})`,
      n: sql<number>`count(*)::int`,
      amount: sql<number>`coalesce(sum(${alerts.amount}), 0)::bigint`,
      maxRank: sql<number>`max(${rank})::int`,
      alertIds: sql<number[]>`(array_agg(${alerts.id} order by ${rank} desc, ${alerts.amount} desc, ${alerts.id}))[1:5]`,
    })
    .from(alerts)
    .where(newIn(s, w))
    .groupBy(alerts.regionCode, alerts.subjectType, alerts.subjectId)
    .orderBy(sql`count(*) desc`, sql`sum(${alerts.amount}) desc`, asc(alerts.subjectId))
    .limit(limit);
  return rows.map(({ maxRank, ...r }) => ({
    ...r,
    alertIds: r.alertIds.map(Number),
    maxSeverity: maxRank === 3 ? 'high' : maxRank === 2 ? 'medium' : 'low',
  }));
}

/** Alerts still waiting for a verdict (status new or assigned), whenever raised. */
export async function openAlertBacklog(tx: DbOrTx, s: AlertScope): Promise<number> {
  const [r] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(alerts)
    .where(and(scopeWhere(s), inArray(alerts.status, ['new', 'assigned'])));
  return r?.n ?? 0;
}

export interface CaseNearDeadline {
  id: number;
  caseNo: string;
  regionCode: string;
  title: string;
  stage: string;
  subjectType: string;
  subjectId: string;
  subjectName: string | null;
  stageDeadline: string;
  /** negative when overdue */
  daysLeft: number;
}

/** Open cases whose stage deadline is within `withinDays` of `asOf` (YYYY-MM-DD) or already past. */
export async function casesNearDeadline(tx: DbOrTx, p: { regions: string[]; asOf: string; withinDays: number }): Promise<CaseNearDeadline[]> {
  const rows = await tx
    .select({
      id: cases.id,
      caseNo: cases.caseNo,
      regionCode: cases.regionCode,
      title: cases.title,
      stage: cases.stage,
      subjectType: cases.subjectType,
      subjectId: cases.subjectId,
      subjectName: cases.subjectName,
      stageDeadline: sql<string>`${cases.stageDeadline}::text`,
      daysLeft: sql<number>`(${cases.stageDeadline} - ${p.asOf}::date)::int`,
    })
    .from(cases)
    .where(
      and(
        inArray(cases.regionCode, p.regions.length ? p.regions : ['']),
        ne(cases.stage, 'closed'),
        sql`${cases.stageDeadline} is not null and ${cases.stageDeadline} <= ${p.asOf}::date + ${p.withinDays}::int`,
      ),
    )
    .orderBy(asc(cases.stageDeadline), asc(cases.id));
  return rows;
}

export async function regionNames(tx: DbOrTx, codes: string[]): Promise<Map<string, string>> {
  if (!codes.length) return new Map();
  const rows = await tx.select({ code: regions.code, name: regions.name }).from(regions).where(inArray(regions.code, codes));
  return new Map(rows.map((r) => [r.code, r.name]));
}
