/**
 * Builds one recipient's weekly digest: reads the numbers as that recipient (scoped to the regions
 * the digest covers), renders subject, HTML, plain text and the chart. No side effects.
 */
import type { Db } from '../db/client';
import { scoped, type Actor } from '../db/scoped';
import { env } from '../env';
import { ruleById } from '../rules';
import { renderChart, type ChartImage } from './chart';
import {
  casesNearDeadline,
  DEADLINE_WINDOW_DAYS,
  newAlertsByRegion,
  newAlertsDataPeriod,
  newAlertsByRuleSeverity,
  openAlertBacklog,
  regionNames,
  SEVERITIES,
  SEVERITY_LABEL,
  topSubjects,
  type AlertScope,
  type CaseNearDeadline,
  type RuleSeverityCount,
  type TopSubject,
} from './digest-data';
import { renderHtml, renderSubject, renderText } from './render';
import { recipientActor, type Recipient } from './subscriptions';
import { previousWeek, type IsoWeek } from './week';


export interface RuleRow {
  ruleId: string;
  ruleName: string;
  bySeverity: Record<(typeof SEVERITIES)[number], number>;
  n: number;
  previous: number;
  amount: number;
}

export interface DigestData {
  week: IsoWeek;
  recipient: { userId: number; name: string; email: string };
  regions: Array<{ code: string; name: string; n: number }>;
  scope: AlertScope;
  total: number;
  previousTotal: number;
  bySeverity: Record<(typeof SEVERITIES)[number], number>;
  amount: number;
  rules: RuleRow[];
  topSubjects: TopSubject[];
  cases: CaseNearDeadline[];
  backlog: number;
  /** the date the mail reports as "today" for deadlines: the Monday after the week */
  asOf: string;
  /** the periods of the settlements behind the week's new alerts (null: no new alerts) */
  dataPeriod: { from: string; to: string } | null;
}

export interface Digest {
  data: DigestData;
  subject: string;
  html: string;
  text: string;
  chart: ChartImage;
  messageId: string;
  /** the JSON counts the CLI prints and the sent log keeps */
  counts: DigestCounts;
}

export interface DigestCounts {
  new_alerts: number;
  previous_week: number;
  by_severity: Record<string, number>;
  by_rule: Record<string, number>;
  top_subjects: number;
  cases_near_deadline: number;
  open_backlog: number;
}

export const CHART_CID = 'digest-chart@ofm';

export function digestMessageId(week: IsoWeek, userId: number): string {
  return `<digest-${week.key}-${userId}@ofm>`;
}

function zeroSeverity(): Record<(typeof SEVERITIES)[number], number> {
  return { high: 0, medium: 0, low: 0 };
}

function ruleRows(cur: RuleSeverityCount[], prev: RuleSeverityCount[]): RuleRow[] {
  const ids = [...new Set([...cur, ...prev].map((r) => r.ruleId))];
  return ids
    .map((id) => {
      const bySeverity = zeroSeverity();
      let amount = 0;
      for (const r of cur.filter((c) => c.ruleId === id)) {
        if (r.severity in bySeverity) bySeverity[r.severity as keyof typeof bySeverity] += r.n;
        amount += r.amount;
      }
      const n = cur.filter((c) => c.ruleId === id).reduce((s, r) => s + r.n, 0);
      const previous = prev.filter((c) => c.ruleId === id).reduce((s, r) => s + r.n, 0);
      return { ruleId: id, ruleName: ruleById(id)?.nameZh ?? id, bySeverity, n, previous, amount };
    })
    .sort((a, b) => b.n - a.n || b.previous - a.previous || a.ruleId.localeCompare(b.ruleId));
}

const roleChecks = new WeakMap<Db, Promise<boolean>>();

/**
 * The recipient as the actor their digest is read as. Until the accounts migration has created the
 * app role (issue 10), switching to it would fail; then the read keeps the owner role but still
 * sets app.regions, and every digest query filters by the recipient's regions explicitly.
 */
async function readAs(db: Db, r: Recipient): Promise<Actor> {
  let check = roleChecks.get(db);
  if (!check) {
    check = db.$client
      .query<{ ok: boolean }>('select exists (select 1 from pg_roles where rolname = $1) as ok', [env().APP_DB_ROLE])
      .then((x) => x.rows[0]?.ok === true);
    roleChecks.set(db, check);
  }
  const actor = recipientActor(r);
  return (await check) ? actor : { ...actor, role: 'system' };
}

/** Reads the digest's numbers for one recipient and week. */
export async function digestData(db: Db, r: Recipient, week: IsoWeek): Promise<DigestData> {
  const scope: AlertScope = { regions: r.regions, rules: r.subscription.rules, minSeverity: r.subscription.minSeverity };
  const prev = previousWeek(week);
  const asOf = week.nextMonday;
  return scoped(db, await readAs(db, r), async (tx) => {
    const cur = await newAlertsByRuleSeverity(tx, scope, { from: week.start, to: week.end });
    const before = await newAlertsByRuleSeverity(tx, scope, { from: prev.start, to: prev.end });
    const byRegion = await newAlertsByRegion(tx, scope, { from: week.start, to: week.end });
    const dataPeriod = await newAlertsDataPeriod(tx, scope, { from: week.start, to: week.end });
    const top = await topSubjects(tx, scope, { from: week.start, to: week.end }, 10);
    const near = await casesNearDeadline(tx, { regions: scope.regions, asOf, withinDays: DEADLINE_WINDOW_DAYS });
    const backlog = await openAlertBacklog(tx, scope);
    const names = await regionNames(tx, scope.regions);
    const bySeverity = zeroSeverity();
    for (const c of cur) if (c.severity in bySeverity) bySeverity[c.severity as keyof typeof bySeverity] += c.n;
    return {
      week,
      recipient: { userId: r.userId, name: r.name, email: r.email },
      regions: scope.regions.map((code) => ({ code, name: names.get(code) ?? code, n: byRegion.find((b) => b.regionCode === code)?.n ?? 0 })),
      scope,
      total: cur.reduce((s, c) => s + c.n, 0),
      previousTotal: before.reduce((s, c) => s + c.n, 0),
      bySeverity,
      amount: cur.reduce((s, c) => s + c.amount, 0),
      rules: ruleRows(cur, before),
      topSubjects: top,
      cases: near,
      backlog,
      asOf,
      dataPeriod,
    };
  });
}

const SEVERITY_COLOR = { high: '#c0392b', medium: '#e67e22', low: '#2e86c1' } as const;

export async function buildDigest(db: Db, r: Recipient, week: IsoWeek): Promise<Digest> {
  const data = await digestData(db, r, week);
  const shown = data.rules.slice(0, 10);
  const chart = await renderChart({
    title: `${week.year}年第${week.week}周 新增预警（按规则、严重程度）`,
    categories: shown.map((x) => x.ruleName),
    series: SEVERITIES.map((s) => ({ name: `${SEVERITY_LABEL[s]}`, color: SEVERITY_COLOR[s], values: shown.map((x) => x.bySeverity[s]) })),
    previous: shown.map((x) => x.previous),
  });
  const counts: DigestCounts = {
    new_alerts: data.total,
    previous_week: data.previousTotal,
    by_severity: { ...data.bySeverity },
    by_rule: Object.fromEntries(data.rules.filter((x) => x.n > 0).map((x) => [x.ruleId, x.n])),
    top_subjects: data.topSubjects.length,
    cases_near_deadline: data.cases.length,
    open_backlog: data.backlog,
  };
  return {
    data,
    subject: renderSubject(data),
    html: renderHtml(data, `cid:${CHART_CID}`, chart.contentType),
    text: renderText(data),
    chart,
    messageId: digestMessageId(week, r.userId),
    counts,
  };
}
