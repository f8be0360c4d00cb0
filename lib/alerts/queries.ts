/**
 * Read side for the alert pages. Call inside scoped(db, actor, tx => …) so RLS limits rows to the
 * actor's regions; the region filter here narrows further. Sorting, filtering and paging run in SQL.
 */
import { and, asc, desc, eq, getTableColumns, gte, ilike, inArray, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { alertEvents, alerts } from '../db/schema';
import { monitoringFor, type ThresholdKey } from '../policies/monitoring';
import { ruleById, type Rule } from '../rules';
import { isWidePeerKey, widePeerKey } from '../rules/sql-parts';

export type AlertRecord = typeof alerts.$inferSelect;

export interface PeerValues {
  metric: string;
  subjectId: string;
  values: Array<{ subjectId: string; value: number }>;
}

/**
 * The values of the group the rule ranked the alert's subject in, read from the rollup the rule reads, with the
 * rule's own conditions (group, volume floor, filter): the detail page draws them and the count matches the
 * alert's 同组数量. Month rules read `peer_key` (or the whole type, 'hospital:*'); TOP-FUND sums the year per person
 * within the person category (extra.group).
 */
export async function peerValues(tx: DbOrTx, rule: Rule, alert: AlertRecord): Promise<PeerValues | null> {
  const src = rule.peer?.source;
  if (!src) return null;
  const ev = (alert.evidence ?? {}) as { extra?: Record<string, unknown>; thresholds?: Record<string, { value: number } | undefined> };
  const extra = ev.extra ?? {};
  const minOf = (key: string) => ev.thresholds?.[key]?.value ?? monitoringFor(alert.regionCode).thresholds[key as ThresholdKey]?.value ?? 0;
  let rows: Array<{ subject_id: string; value: number }>;
  if (src.window === 'year') {
    if (!/^\d{4}$/.test(alert.periodKey) || typeof extra.group !== 'string') return null;
    const r = await tx.execute<{ subject_id: string; value: number }>(sql`
      select ${sql.identifier(src.subjectColumn)} as subject_id, sum(${sql.raw(src.metric)})::float8 as value from ${sql.identifier(src.table)}
      where region_code = ${alert.regionCode} and month >= ${alert.periodStart}::date and month <= ${alert.periodEnd}::date
      group by 1 having left(max(psn_type), 2) = ${extra.group} and sum(${sql.raw(src.metric)}) > 0 order by 2`);
    rows = r.rows;
  } else {
    if (!/^\d{4}-\d{2}$/.test(alert.periodKey) || extra.peer_key === undefined) return null;
    // 'hospital:*': the subject was ranked among its whole type (its own group was too small, sql-parts.ts)
    const key = String(extra.peer_key);
    const inGroup = isWidePeerKey(key) ? sql`${sql.raw(widePeerKey('peer_key'))} = ${key}` : sql`peer_key = ${key}`;
    const volume = src.volume ? sql` and ${sql.identifier(src.volume.column)} >= ${minOf(src.volume.minKey)}` : sql``;
    const filter = src.filter ? sql` and ${sql.raw(src.filter)}` : sql``;
    const r = await tx.execute<{ subject_id: string; value: number }>(
      sql`select ${sql.identifier(src.subjectColumn)} as subject_id, (${sql.raw(src.metric)})::float8 as value from ${sql.identifier(src.table)}
          where region_code = ${alert.regionCode} and month = ${alert.periodStart} and ${inGroup} and (${sql.raw(src.metric)}) is not null${volume}${filter}
          order by 2`,
    );
    rows = r.rows;
  }
  return { metric: src.metric, subjectId: alert.subjectId, values: rows.map((x) => ({ subjectId: x.subject_id, value: x.value })) };
}

export interface AlertFilters {
  regionCode?: string | string[];
  ruleId?: string | string[];
  status?: string | string[];
  severity?: string | string[];
  resultType?: 'violation' | 'suspicious';
  subjectType?: string;
  subjectId?: string;
  /** period_start on or after (YYYY-MM-DD) */
  since?: string;
  /** period_start on or before */
  until?: string;
  assignedTo?: number;
  /** free text over subject id/name and explanation */
  q?: string;
}

export const alertSortFields = ['id', 'periodStart', 'severity', 'amount', 'value', 'percentile', 'ruleId', 'status', 'updatedAt'] as const;
export type AlertSortField = (typeof alertSortFields)[number];

export interface ListAlertsParams {
  filters?: AlertFilters;
  sort?: { field: AlertSortField; dir: 'asc' | 'desc' };
  /** 1-based */
  page?: number;
  pageSize?: number;
}

const many = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

export function alertWhere(f: AlertFilters = {}): SQL | undefined {
  const conds: Array<SQL | undefined> = [];
  const regions = many(f.regionCode);
  if (regions?.length) conds.push(inArray(alerts.regionCode, regions));
  const rules = many(f.ruleId);
  if (rules?.length) conds.push(inArray(alerts.ruleId, rules));
  const st = many(f.status);
  // withdrawn alerts (no longer found by a re-run, upsert.ts) are listed only when asked for
  if (st?.length) conds.push(inArray(alerts.status, st));
  else conds.push(ne(alerts.status, 'withdrawn'));
  const sev = many(f.severity);
  if (sev?.length) conds.push(inArray(alerts.severity, sev));
  if (f.resultType) conds.push(eq(alerts.resultType, f.resultType));
  if (f.subjectType) conds.push(eq(alerts.subjectType, f.subjectType));
  if (f.subjectId) conds.push(eq(alerts.subjectId, f.subjectId));
  if (f.since) conds.push(gte(alerts.periodStart, f.since));
  if (f.until) conds.push(lte(alerts.periodStart, f.until));
  if (f.assignedTo !== undefined) conds.push(eq(alerts.assignedTo, f.assignedTo));
  if (f.q?.trim()) {
    const p = `%${f.q.trim()}%`;
    conds.push(or(ilike(alerts.subjectId, p), ilike(alerts.subjectName, p), ilike(alerts.explanation, p)));
  }
  return and(...conds.filter((c): c is SQL => c !== undefined));
}

const severityRank = sql`case ${alerts.severity} when 'high' then 3 when 'medium' then 2 else 1 end`;

/** Alerts page: one page of rows (without the bulky evidence) and the total count. */
export async function listAlerts(tx: DbOrTx, p: ListAlertsParams = {}): Promise<{ rows: Array<Omit<AlertRecord, 'evidence'>>; total: number }> {
  const where = alertWhere(p.filters);
  const pageSize = Math.min(Math.max(p.pageSize ?? 50, 1), 500);
  const page = Math.max(p.page ?? 1, 1);
  const dir = p.sort?.dir === 'asc' ? asc : desc;
  const field = p.sort?.field ?? 'id';
  const orderCol = field === 'severity' ? severityRank : alerts[field];
  const { evidence: _evidence, ...cols } = getTableColumns(alerts);
  const rows = await tx
    .select(cols)
    .from(alerts)
    .where(where)
    .orderBy(dir(orderCol), desc(alerts.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  const [cnt] = await tx.select({ n: sql<number>`count(*)::int` }).from(alerts).where(where);
  return { rows, total: cnt?.n ?? 0 };
}

export interface EvidenceClaim {
  setl_id: string;
  setl_time: string;
  psn_no: string;
  fixmedins_code: string;
  medfee_sumamt: number;
  fulamt_ownpay_amt: number;
  hifp_pay: number | null;
  fund_pay_expected: number | null;
  lines: Array<{ feedetl_sn: string; med_chrgitm_type: string; hilist_code: string | null; hilist_name: string | null; det_item_fee_sumamt: number; medc_days: number | null; bilg_dr_codg: string | null }>;
}

export interface AlertDetail {
  alert: AlertRecord;
  /** the evidence claims (first 200) with their fee lines and re-adjudicated fund payment */
  claims: EvidenceClaim[];
  /** the values of the peer group the rule ranked the subject in (rules that compare with peers and keep the values) */
  peers: PeerValues | null;
  history: Array<typeof alertEvents.$inferSelect>;
}

/** Alert detail page. Returns null when the alert does not exist or is outside the actor's regions. */
export async function getAlert(tx: DbOrTx, id: number): Promise<AlertDetail | null> {
  const [alert] = await tx.select().from(alerts).where(eq(alerts.id, id));
  if (!alert) return null;
  const ev = (alert.evidence ?? {}) as { setl_ids?: string[]; extra?: { peer_key?: string } };
  const ids = (ev.setl_ids ?? []).slice(0, 200);
  let claims: EvidenceClaim[] = [];
  if (ids.length) {
    const r = await tx.execute<{ setl_id: string; setl_time: string; psn_no: string; fixmedins_code: string; medfee_sumamt: number; fulamt_ownpay_amt: number; hifp_pay: number | null; fund_pay_expected: number | null; lines: EvidenceClaim['lines'] | null }>(sql`
      select s.setl_id, s.setl_time::text as setl_time, s.psn_no, s.fixmedins_code, s.medfee_sumamt, s.fulamt_ownpay_amt, s.hifp_pay,
        a.fund_pay as fund_pay_expected,
        (select jsonb_agg(jsonb_build_object('feedetl_sn', f.feedetl_sn, 'med_chrgitm_type', f.med_chrgitm_type, 'hilist_code', f.hilist_code,
            'hilist_name', f.hilist_name, 'det_item_fee_sumamt', f.det_item_fee_sumamt, 'medc_days', f.medc_days, 'bilg_dr_codg', f.bilg_dr_codg) order by f.feedetl_sn)
           from fee_details f where f.admdvs = s.admdvs and f.setl_id = s.setl_id and f.setl_time = s.setl_time) as lines
      from settlements s
      left join adjudications a on a.admdvs = s.admdvs and a.setl_id = s.setl_id and a.setl_time = s.setl_time
      where s.admdvs = ${alert.regionCode} and s.setl_id = any(${sql.param(ids)}::text[])
        and s.setl_time >= ${alert.periodStart}::date - interval '92 days' and s.setl_time < ${alert.periodEnd}::date + interval '1 day'
      order by s.setl_time, s.setl_id`);
    claims = r.rows.map((x) => ({ ...x, lines: x.lines ?? [] }));
  }
  const rule = ruleById(alert.ruleId);
  const peers = rule ? await peerValues(tx, rule, alert) : null;
  const history = await tx.select().from(alertEvents).where(eq(alertEvents.alertId, id)).orderBy(asc(alertEvents.at), asc(alertEvents.id));
  return { alert, claims, peers, history };
}
