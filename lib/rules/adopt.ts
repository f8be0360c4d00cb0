/**
 * Adopt candidate thresholds from a back-test (admin only): a new monitoring policy version for one region, in force
 * from a month's first day. In one transaction under the admin's regions (RLS): the back-test is run again for that
 * region (its figures are what the version and the audit row record, never figures sent by the client), the version
 * is stored (the thresholds in force at that date with the candidates replacing their values; each keeps its unit and
 * basis) and the audit row is written. Alerts from that date follow the version at the next recompute; earlier alerts
 * keep the version they were raised under (their policy_id).
 */
import { audit } from '../audit';
import { assertCan } from '../auth/permissions';
import type { Db } from '../db/client';
import { scopedClient } from '../db/scoped-client';
import type { Actor } from '../db/scoped';
import { InputError } from '../errors';
import { thresholdOverrides, type Threshold, type ThresholdKey } from '../policies/monitoring';
import { loadMonitoringVersions, policyInForce, versionPolicyId } from '../policies/monitoring-versions';
import { backtestRule, summary, type BacktestSummary } from './backtest';
import { ruleById } from './index';

export interface AdoptInput {
  ruleId: string;
  region: string;
  set: Record<string, number>;
  /** 'YYYY-MM-01' */
  effectiveFrom: string;
  reason: string;
  /** the back-tested history */
  from?: string;
  to?: string;
}

export interface AdoptResult {
  id: number;
  policyId: string;
  basedOn: string;
  effectiveFrom: string;
  thresholds: Record<string, { before: number; after: number }>;
  backtest: BacktestSummary;
}

export async function adoptThresholds(db: Db, actor: Actor, input: AdoptInput): Promise<AdoptResult> {
  assertCan(actor, 'policy.manage');
  const rule = ruleById(input.ruleId);
  if (!rule) throw new InputError(`未知规则：${input.ruleId}`, { field: 'rule' });
  if (!/^\d{6}$/.test(input.region)) throw new InputError('请选择一个地区（6 位区划代码）', { field: 'region' });
  if (!actor.regions.includes('*') && !actor.regions.includes(input.region)) throw new InputError(`地区 ${input.region} 不在您的辖区`, { field: 'region' });
  if (!/^\d{4}-(0[1-9]|1[0-2])-01$/.test(input.effectiveFrom)) throw new InputError(`生效日期须为某月 1 日（YYYY-MM-01）：${input.effectiveFrom}`, { field: 'effectiveFrom' });
  const reason = input.reason.trim();
  if (!reason) throw new InputError('采用新阈值须填写理由', { field: 'reason' });
  if (reason.length > 2000) throw new InputError('理由不能超过 2000 字', { field: 'reason' });
  if (!Object.keys(input.set).length) throw new InputError('没有调整任何阈值', { field: 'set' });

  return scopedClient(db, actor, async (c, tx) => {
    const regionSeen = await c.query('select 1 from regions where code = $1', [input.region]);
    if (!regionSeen.rowCount) throw new InputError(`地区不存在：${input.region}`, { field: 'region' });
    const bt = await backtestRule(c, { ruleId: rule.id, set: input.set, regions: [input.region], from: input.from, to: input.to });
    const versions = await loadMonitoringVersions(c, [input.region]);
    if (versions.some((v) => v.effectiveFrom === input.effectiveFrom)) {
      throw new InputError(`地区 ${input.region} 自 ${input.effectiveFrom} 起已有调整版本，请选择其他生效月份`, { field: 'effectiveFrom' });
    }
    const prev = policyInForce(input.region, input.effectiveFrom, versions);
    const changed: Partial<Record<ThresholdKey, Threshold>> = {};
    const figures: AdoptResult['thresholds'] = {};
    for (const [k, value] of Object.entries(input.set)) {
      const key = k as ThresholdKey;
      const t = prev.thresholds[key];
      changed[key] = { ...t, value };
      figures[key] = { before: t.value, after: value };
    }
    const thresholds = thresholdOverrides.parse({ ...(prev.version?.thresholds ?? {}), ...changed });
    const basedOn = prev.ids.join('+');
    const backtest = summary(bt);
    const ins = await c.query<{ id: number }>(
      `insert into monitoring_versions (region_code, effective_from, thresholds, based_on, rule_id, reason, author_id, author, backtest)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [input.region, input.effectiveFrom, JSON.stringify(thresholds), basedOn, rule.id, reason, actor.userId, actor.name, JSON.stringify(backtest)],
    );
    const id = Number(ins.rows[0]?.id);
    const policyId = versionPolicyId({ id, regionCode: input.region, effectiveFrom: input.effectiveFrom });
    await audit(tx, actor, {
      action: 'monitoring.adopt',
      entity: 'monitoring_version',
      entityId: id,
      regionCode: input.region,
      before: { policyId: basedOn, thresholds: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v.before])) },
      after: { policyId, rule: rule.id, effectiveFrom: input.effectiveFrom, thresholds: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v.after])), reason, backtest },
    });
    return { id, policyId, basedOn, effectiveFrom: input.effectiveFrom, thresholds: figures, backtest };
  });
}
