/**
 * `rules backtest --rule ID [--set KEY=VALUE…] [--region CODE…] [--from DATE] [--to DATE] [--as EMAIL] [--json]`:
 * replays one rule over the loaded history with the thresholds changed as given, in a read-only transaction (nothing
 * stored changes). Prints {rule, thresholds:{key:{before, after}}, alerts_before, alerts_after, confirmed_kept,
 * confirmed_lost, dismissed_avoided, unreviewed_new, precision_before, precision_after, amount_…, appear, disappear}.
 */
import { getDb } from '../db/client';
import { scopedClient } from '../db/scoped-client';
import { InputError } from '../errors';
import { pct, yuan } from '../format';
import { ruleById } from '../rules';
import { backtestRule, parseSets } from '../rules/backtest';
import { emit, parse, type Io } from './args';
import { actorFor } from './as-user';

export async function rulesBacktestCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {
    rule: { type: 'string' },
    set: { type: 'string', multiple: true },
    region: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    as: { type: 'string' },
  });
  if (!values.rule) throw new InputError('须用 --rule 指定规则', { field: '--rule' });
  const rule = ruleById(values.rule);
  if (!rule) throw new InputError(`未知规则：${values.rule}`, { field: '--rule' });
  const set = parseSets(rule, values.set ?? []);
  const db = await getDb();
  const actor = await actorFor(db, values.as);
  const r = await scopedClient(db, actor, (c) => backtestRule(c, { ruleId: rule.id, set, regions: values.region, from: values.from, to: values.to }), { readOnly: true });
  const p = (x: number | null) => (x === null ? '—' : pct(x));
  emit(io, values.json, r, () =>
    [
      `回测 ${r.rule} ${rule.nameZh}：${r.regions.join('、') || '无地区'}，${r.months[0] ?? '—'} 至 ${r.months[r.months.length - 1] ?? '—'}（${r.months.length} 个月），用时 ${r.ms} ms；未改动任何已存数据`,
      `阈值 ${Object.entries(r.thresholds).map(([k, t]) => `${k} ${t.before ?? '各地区不同'} → ${t.after ?? '各地区不同'}`).join('；') || '无'}`,
      `预警 ${r.alerts_before} → ${r.alerts_after}；确认保留 ${r.confirmed_kept}、确认丢失 ${r.confirmed_lost}；避免误报 ${r.dismissed_avoided}；新增未审 ${r.unreviewed_new}`,
      `精确率 ${p(r.precision_before)} → ${p(r.precision_after)}；涉及金额 ${yuan(r.amount_before)} → ${yuan(r.amount_after)}（减少 ${yuan(r.amount_lost)}，新增 ${yuan(r.amount_new)}）`,
      ...r.disappear.slice(0, 20).map((a) => `  − #${a.id} ${a.region_code} ${a.period_key} ${a.subject_name ?? a.subject_id} ${a.status} ${yuan(a.amount)}`),
      ...r.appear.slice(0, 20).map((a) => `  + ${a.region_code} ${a.period_key} ${a.subject_name ?? a.subject_id} ${yuan(a.amount)}`),
    ].join('\n'),
  );
  return 0;
}
