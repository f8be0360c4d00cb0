/**
 * `whatif --policy FILE [--from DATE] [--to DATE] [--region CODE] [--json]` (CONTRACT.md): the loaded
 * visits of FILE's region and dates re-adjudicated under FILE, beside the policy in force. Stores nothing.
 */
import { getDb } from '../db/client';
import { cliActor } from '../audit/operations';
import { InputError } from '../errors';
import { loadPolicies } from '../policies';
import { basePolicyOf, toDocument } from '../whatif/contract';
import { runWhatif } from '../whatif/run';
import { readScenarioFile } from '../whatif/scenario';
import { emit, parse, type Io } from './args';

export async function whatifCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { policy: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, region: { type: 'string' } });
  if (!values.policy) throw new InputError('缺少 --policy FILE (missing --policy)', { field: 'policy' });
  const scenario = readScenarioFile(values.policy);
  const base = loadPolicies();
  const db = await getDb();
  const r = await runWhatif(db, cliActor(), base, { scenario, basePolicy: basePolicyOf(base, scenario, values.region), from: values.from, to: values.to, region: values.region });
  const doc = toDocument(r);
  emit(io, values.json, doc, () =>
    [
      `方案 ${doc.policy_id} · 地区 ${doc.region} · ${doc.from} 至 ${doc.to}（年度累计自 ${doc.from.slice(0, 4)}-01-01 起）`,
      `就诊 ${doc.visits} 人次，${doc.persons} 人；统筹支付 现行 ${doc.fund_pay_before} 元 → 方案 ${doc.fund_pay_after} 元，变化 ${doc.fund_pay_delta} 元`,
      `个人负担 现行 ${doc.self_pay_before} 元 → 方案 ${doc.self_pay_after} 元；达到封顶 ${doc.capped_persons_before} → ${doc.capped_persons_after} 人`,
      '按月 month | 现行 before | 方案 after',
      ...doc.by_month.map((m) => `${m.month} | ${m.before} | ${m.after}`),
      '机构等级 hosp_lv | 现行 | 方案',
      ...doc.by_hosp_lv.map((m) => `${m.hosp_lv} | ${m.before} | ${m.after}`),
      '人员类别 psn_type | 现行 | 方案',
      ...doc.by_psn_type.map((m) => `${m.psn_type} | ${m.before} | ${m.after}`),
      ...(doc.changes.length ? ['调整项 | 现行 | 方案 | 原依据', ...doc.changes.map((c) => `${c.field} | ${String(c.before)} | ${String(c.after)} | ${c.clause}`)] : []),
    ].join('\n'),
  );
  return 0;
}
