/** `alerts [--json] [--region CODE] [--since DATE] [--rule ID] [--status S]` — lists alerts (acts as SYSTEM). */
import { asc } from 'drizzle-orm';
import { getDb } from '../db/client';
import { alerts } from '../db/schema';
import { scoped, SYSTEM } from '../db/scoped';
import { InputError } from '../errors';
import { alertWhere } from '../alerts/queries';
import { emit, parse, type Io } from './args';

export async function alertsCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { region: { type: 'string' }, since: { type: 'string' }, rule: { type: 'string' }, status: { type: 'string' } });
  if (values.region !== undefined && !/^\d{6}$/.test(values.region)) throw new InputError(`--region 应为 6 位区划代码: ${values.region}`, { field: '--region' });
  if (values.since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.since)) throw new InputError(`--since 应为日期 YYYY-MM-DD: ${values.since}`, { field: '--since' });
  const db = await getDb();
  const rows = await scoped(db, SYSTEM, (tx) =>
    tx
      .select()
      .from(alerts)
      .where(alertWhere({ regionCode: values.region, since: values.since, ruleId: values.rule, status: values.status }))
      .orderBy(asc(alerts.regionCode), asc(alerts.ruleId), asc(alerts.periodStart), asc(alerts.subjectId)),
  );
  const out = rows.map((a) => ({
    id: a.id,
    region_code: a.regionCode,
    rule_id: a.ruleId,
    subject_type: a.subjectType,
    subject_id: a.subjectId,
    subject_name: a.subjectName,
    period_key: a.periodKey,
    severity: a.severity,
    result_type: a.resultType,
    status: a.status,
    value: a.value,
    threshold: a.threshold,
    peer_median: a.peerMedian,
    percentile: a.percentile,
    amount: a.amount,
    explanation: a.explanation,
    clause: a.clause,
    evidence: a.evidence,
  }));
  emit(io, values.json, out, () =>
    out.length
      ? [`共 ${out.length} 条预警`, ...out.map((a) => `#${a.id} [${a.rule_id}] ${a.region_code} ${a.period_key} ${a.status} ${a.result_type === 'violation' ? '明确违规' : '可疑'} — ${a.explanation}`)].join('\n')
      : '没有预警 (no alerts)',
  );
  return 0;
}
