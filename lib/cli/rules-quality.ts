/**
 * `rules quality [--region CODE] [--rule ID] [--json]`: per rule and region, from the inspectors' verdicts:
 * {rule, region, alerts, reviewed, confirmed, dismissed, precision, dismissed_by_reason, median_days_to_verdict,
 * recovered_fen, quarters:[…], realtime}; precision = confirmed ÷ reviewed (null when none reviewed).
 */
import { dismissReasonLabel } from '../alerts/verdict-reasons';
import { getDb } from '../db/client';
import { scopedClient } from '../db/scoped-client';
import { SYSTEM } from '../db/scoped';
import { InputError } from '../errors';
import { pct, yuan } from '../format';
import { ruleById } from '../rules';
import { ruleQuality } from '../rules/quality';
import { emit, parse, type Io } from './args';

export async function rulesQualityCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { region: { type: 'string' }, rule: { type: 'string' } });
  if (values.region !== undefined && !/^\d{6}$/.test(values.region)) throw new InputError(`--region 应为 6 位区划代码：${values.region}`, { field: '--region' });
  if (values.rule !== undefined && !ruleById(values.rule)) throw new InputError(`未知规则：${values.rule}`, { field: '--rule' });
  const db = await getDb();
  const rows = await scopedClient(db, SYSTEM, (c) => ruleQuality(c, { region: values.region, rule: values.rule }), { readOnly: true });
  emit(io, values.json, rows, () =>
    rows.length
      ? [
          '规则 地区 预警 已审 确认 排除 精确率 审核中位天数 追回金额 排除原因',
          ...rows.map((r) => {
            const why = Object.entries(r.dismissed_by_reason).map(([k, n]) => `${dismissReasonLabel(k) ?? '未注明'} ${n}`).join('、');
            const days = r.median_days_to_verdict === null ? '—' : `${r.median_days_to_verdict} 天`;
            return `${r.rule} ${r.region} ${r.alerts} ${r.reviewed} ${r.confirmed} ${r.dismissed} ${r.precision === null ? '—' : pct(r.precision)} ${days} ${yuan(r.recovered_fen)} ${why || '—'}`;
          }),
        ].join('\n')
      : '没有预警',
  );
  return 0;
}
