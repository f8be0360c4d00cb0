/**
 * The alert list's URL contract (shared by the page, the JSON route and the export): filters
 * region, rule, severity, status, period, subject type and free text; sort `field.dir`; page/size.
 * Rows are read with lib/alerts listAlerts (SQL filtering, sorting and paging).
 */
import { alertSortFields, listAlerts, type AlertFilters, type AlertSortField, type ListAlertsParams } from '../alerts/queries';
import { maskId, maskName } from '../auth/mask';
import type { DbOrTx } from '../db/client';
import { formatValue } from '../alerts/explain';
import { ruleById } from '../rules';
import { yuanPlain } from '../format';
import { parsePeriod } from './period';
import { param, type SearchParams } from './scope';
import { RESULT_LABEL, SEVERITY_LABEL, STATUS_LABEL, SUBJECT_TYPE_LABEL } from './labels';

export const ALERT_PAGE_SIZES = [20, 50, 100];

export interface AlertListQuery {
  params: ListAlertsParams;
  sort: string;
  period: string | null;
}

/** `me`: the signed-in user's id, for the 我的预警 filter (`mine=1`: alerts assigned to them). */
export function alertQueryFrom(sp: SearchParams, me?: number | null): AlertListQuery {
  const f: AlertFilters = {};
  if (param(sp, 'mine') === '1') f.assignedTo = me ?? -1;
  const region = param(sp, 'region');
  if (region && /^\d{6}$/.test(region)) f.regionCode = region;
  const rule = param(sp, 'rule');
  if (rule) f.ruleId = rule;
  const severity = param(sp, 'severity');
  if (severity && ['high', 'medium', 'low'].includes(severity)) f.severity = severity;
  const status = param(sp, 'status');
  if (status && Object.keys(STATUS_LABEL).includes(status)) f.status = status;
  const subject = param(sp, 'subject');
  if (subject && Object.keys(SUBJECT_TYPE_LABEL).includes(subject)) f.subjectType = subject;
  const result = param(sp, 'result');
  if (result === 'violation' || result === 'suspicious') f.resultType = result;
  const q = param(sp, 'q');
  if (q) f.q = q.slice(0, 100);
  let period: string | null = null;
  const pk = param(sp, 'period');
  if (pk) {
    try {
      const p = parsePeriod(pk);
      f.since = p.from;
      f.until = p.end;
      period = p.key;
    } catch {
      period = null;
    }
  }
  const [field, dir] = (param(sp, 'sort') ?? 'severity.desc').split('.');
  const sortField: AlertSortField = (alertSortFields as readonly string[]).includes(field ?? '') ? (field as AlertSortField) : 'severity';
  const sortDir = dir === 'asc' ? 'asc' : 'desc';
  const size = Number(param(sp, 'size') ?? 20);
  const pageSize = ALERT_PAGE_SIZES.includes(size) ? size : 20;
  const page = Math.max(1, Math.floor(Number(param(sp, 'page') ?? 1)) || 1);
  return { params: { filters: f, sort: { field: sortField, dir: sortDir }, page, pageSize }, sort: `${sortField}.${sortDir}`, period };
}

export type AlertListRow = Awaited<ReturnType<typeof listAlerts>>['rows'][number];

/** What the table shows: identifiers of insured persons masked on the server, never sent in clear. */
export function toAlertRow(r: AlertListRow, names?: Map<number, string>, regionNames?: Map<string, string>) {
  const insured = r.subjectType === 'insured';
  const rule = ruleById(r.ruleId);
  return {
    id: r.id,
    regionCode: r.regionCode,
    regionName: regionNames?.get(r.regionCode) ?? null,
    ruleId: r.ruleId,
    ruleName: rule?.nameZh ?? r.ruleId,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    subjectShown: insured ? maskId(r.subjectId) : r.subjectId,
    subjectName: insured ? (r.subjectName ? maskName(r.subjectName) : null) : r.subjectName,
    periodKey: r.periodKey,
    periodStart: r.periodStart,
    resultType: r.resultType,
    severity: r.severity,
    status: r.status,
    value: r.value,
    valueText: rule ? formatValue(rule.unit, r.value) : r.value === null ? '—' : String(r.value),
    thresholdText: rule ? formatValue(rule.unit, r.threshold) : r.threshold === null ? '—' : String(r.threshold),
    percentile: r.percentile,
    amount: r.amount,
    assignedTo: r.assignedTo,
    assigneeName: r.assignedTo === null ? null : (names?.get(r.assignedTo) ?? `用户 ${r.assignedTo}`),
    updatedAt: r.updatedAt instanceof Date ? r.updatedAt.toISOString() : String(r.updatedAt),
  };
}
export type AlertRow = ReturnType<typeof toAlertRow>;

export const EXPORT_HEADER = ['预警编号', '地区', '规则编号', '规则名称', '结果类型', '等级', '状态', '对象类型', '对象编码', '对象名称', '期间', '指标值', '阈值', '百分位', '涉及金额（元）', '说明'];

/** Every filtered row (in pages of 500, at most `limit`), masked, as export cells. */
export async function exportRows(tx: DbOrTx, q: AlertListQuery, limit = 50_000): Promise<Array<Array<string | number | null>>> {
  const out: Array<Array<string | number | null>> = [];
  for (let page = 1; out.length < limit; page += 1) {
    const { rows } = await listAlerts(tx, { ...q.params, page, pageSize: 500 });
    for (const r of rows) {
      const a = toAlertRow(r);
      out.push([
        a.id,
        a.regionCode,
        a.ruleId,
        a.ruleName,
        RESULT_LABEL[a.resultType] ?? a.resultType,
        SEVERITY_LABEL[a.severity] ?? a.severity,
        STATUS_LABEL[a.status] ?? a.status,
        SUBJECT_TYPE_LABEL[a.subjectType] ?? a.subjectType,
        a.subjectShown,
        a.subjectName,
        a.periodKey,
        a.valueText,
        a.thresholdText,
        a.percentile === null ? null : Math.round(a.percentile * 1000) / 10,
        yuanPlain(a.amount),
        r.explanation.replace(new RegExp(r.subjectId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'), a.subjectShown),
      ]);
    }
    if (rows.length < 500) break;
  }
  return out.slice(0, limit);
}
