/**
 * `rules adopt --rule ID --region CODE --set KEY=VALUE… --effective YYYY-MM-01 --reason TEXT [--from DATE] [--to DATE]
 * [--as EMAIL] [--json]`: what an admin does on a rule's page — a new monitoring policy version for the region from
 * that month, with the back-test's figures and the reason in the audit log (lib/rules/adopt.ts). Only an admin (or
 * the batch actor without --as). Takes effect at the next recompute.
 */
import { getDb } from '../db/client';
import { InputError } from '../errors';
import { ruleById } from '../rules';
import { adoptThresholds } from '../rules/adopt';
import { parseSets } from '../rules/backtest';
import { emit, parse, type Io } from './args';
import { actorFor } from './as-user';

export async function rulesAdoptCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {
    rule: { type: 'string' },
    region: { type: 'string' },
    set: { type: 'string', multiple: true },
    effective: { type: 'string' },
    reason: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    as: { type: 'string' },
  });
  if (!values.rule) throw new InputError('须用 --rule 指定规则', { field: '--rule' });
  const rule = ruleById(values.rule);
  if (!rule) throw new InputError(`未知规则：${values.rule}`, { field: '--rule' });
  if (!values.region) throw new InputError('须用 --region 指定地区', { field: '--region' });
  if (!values.effective) throw new InputError('须用 --effective 指定生效月份（YYYY-MM-01）', { field: '--effective' });
  const set = parseSets(rule, values.set ?? []);
  const db = await getDb();
  const actor = await actorFor(db, values.as);
  const r = await adoptThresholds(db, actor, { ruleId: rule.id, region: values.region, set, effectiveFrom: values.effective, reason: values.reason ?? '', from: values.from, to: values.to });
  emit(io, values.json, r, () =>
    `已采用：${r.policyId}（${values.region} 自 ${r.effectiveFrom} 起），${Object.entries(r.thresholds).map(([k, t]) => `${k} ${t.before} → ${t.after}`).join('；')}；回测预警 ${r.backtest.alerts_before} → ${r.backtest.alerts_after}。下次重算起生效。`,
  );
  return 0;
}
