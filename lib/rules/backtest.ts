/**
 * Back-test: replays one rule over loaded history with some thresholds changed and compares what it would raise with
 * the rule's stored alerts in the same scope — without writing anything (run it in a read-only transaction). It
 * calls the monitoring run's own findingsFor (lib/rules/run.ts) with the thresholds as parameters; each region and
 * month starts from the thresholds in force for it (lib/policies/monitoring-versions.ts), so with no change the
 * back-test raises exactly the stored alerts of the rule (tests/rules-backtest.test.ts checks every rule).
 *
 * Scope: the months with loaded data (ind_region_month) between `from` and `to`, the given regions (default every
 * region the connection sees: under scoped(), RLS limits it to the actor's). Stored alerts in scope: the rule's alerts
 * not withdrawn whose period overlaps those months. A finding whose subject is on the white list is left out, as the
 * monitoring run leaves it out. Figures: stored (before) against found (after), matched on region, subject and period.
 */
import type pg from 'pg';
import { explain } from '../alerts/explain';
import { InputError } from '../errors';
import { thresholdKeys, type ThresholdKey, type Thresholds } from '../policies/monitoring';
import { groupScopeByPolicy, loadMonitoringVersions } from '../policies/monitoring-versions';
import { ruleById } from './index';
import { findingsFor, thresholdValues } from './run';
import type { Finding, Rule } from './types';

export interface BacktestInput {
  ruleId: string;
  /** threshold key → candidate value */
  set?: Record<string, number>;
  regions?: string[];
  /** 'YYYY-MM-DD' inclusive bounds of the history replayed (by month) */
  from?: string;
  to?: string;
}

/** An alert the changed thresholds would raise that is not stored (or stored but withdrawn: `stored_id`). */
export interface AppearingAlert {
  region_code: string;
  subject_type: string;
  subject_id: string;
  subject_name: string | null;
  period_key: string;
  value: number | null;
  threshold: number | null;
  amount: number;
  explanation: string;
  setl_ids: string[];
  stored_id: number | null;
}

/** A stored alert the changed thresholds would no longer raise. */
export interface DisappearingAlert {
  id: number;
  region_code: string;
  subject_type: string;
  subject_id: string;
  subject_name: string | null;
  period_key: string;
  status: string;
  amount: number;
  policy_id: string | null;
}

/** The figures (what an adoption records in its audit row and version). */
export interface BacktestSummary {
  rule: string;
  regions: string[];
  from: string | null;
  to: string | null;
  months: string[];
  thresholds: Record<string, { before: number | null; after: number | null }>;
  alerts_before: number;
  alerts_after: number;
  confirmed_kept: number;
  confirmed_lost: number;
  dismissed_kept: number;
  dismissed_avoided: number;
  unreviewed_new: number;
  precision_before: number | null;
  precision_after: number | null;
  /** fen at stake on the stored alerts in scope / on the alerts the changed rule raises */
  amount_before: number;
  amount_after: number;
  /** fen on the alerts that disappear / appear */
  amount_lost: number;
  amount_new: number;
  ms: number;
}

export interface BacktestResult extends BacktestSummary {
  appear: AppearingAlert[];
  disappear: DisappearingAlert[];
}

const CONFIRMED = new Set(['confirmed', 'case']);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `--set KEY=VALUE` pairs as the rule may take them; a key the rule does not read or a non-number is bad input. */
export function parseSets(rule: Rule, pairs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pairs) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(p.trim());
    if (!m) throw new InputError(`阈值应写作 键=值：${p}`, { field: '--set' });
    const [, key = '', raw = ''] = m;
    checkKey(rule, key);
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new InputError(`阈值 ${key} 的取值应为数字：${raw}`, { field: '--set' });
    out[key] = v;
  }
  return out;
}

function checkKey(rule: Rule, key: string): asserts key is ThresholdKey {
  if (!(thresholdKeys as readonly string[]).includes(key) || !rule.thresholds.includes(key)) {
    const can = rule.thresholds.length ? rule.thresholds.join('、') : '（该规则没有可调阈值）';
    throw new InputError(`规则 ${rule.id} 不使用阈值 ${key}；可调整：${can}`, { field: '--set' });
  }
}

const keyOf = (x: { region_code: string; subject_type: string; subject_id: string; period_key: string }) =>
  `${x.region_code}|${x.subject_type}|${x.subject_id}|${x.period_key}`;

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

function nextMonth(d: string): string {
  const [y, m] = d.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

export async function backtestRule(c: pg.ClientBase, input: BacktestInput): Promise<BacktestResult> {
  const t0 = performance.now();
  const rule = ruleById(input.ruleId);
  if (!rule) throw new InputError(`未知规则：${input.ruleId}`, { field: '--rule' });
  const set = input.set ?? {};
  for (const k of Object.keys(set)) checkKey(rule, k);
  for (const [k, v] of Object.entries(set)) if (!Number.isFinite(v)) throw new InputError(`阈值 ${k} 的取值应为数字`, { field: '--set' });
  for (const [name, d] of [['--from', input.from], ['--to', input.to]] as const) {
    if (d !== undefined && (!DAY.test(d) || Number.isNaN(Date.parse(d)))) throw new InputError(`${name} 应为日期 YYYY-MM-DD：${d}`, { field: name });
  }
  if (input.from && input.to && input.from > input.to) throw new InputError(`起始日期 ${input.from} 晚于结束日期 ${input.to}`, { field: '--from' });
  for (const r of input.regions ?? []) if (!/^\d{6}$/.test(r)) throw new InputError(`地区应为 6 位区划代码：${r}`, { field: '--region' });

  const seen = await c.query<{ region_code: string; month: string }>(
    `select distinct region_code::text as region_code, month::text as month from ind_region_month
     where ($1::text[] is null or region_code = any($1::bpchar[])) and ($2::date is null or month >= date_trunc('month', $2::date))
       and ($3::date is null or month <= $3::date) order by 2`,
    [input.regions?.length ? input.regions : null, input.from ?? null, input.to ?? null],
  );
  const regions = input.regions?.length ? [...input.regions] : [...new Set(seen.rows.map((r) => r.region_code))].sort();
  const months = [...new Set(seen.rows.map((r) => r.month))].sort();
  const versions = await loadMonitoringVersions(c, regions);
  const groups = groupScopeByPolicy(regions, months, versions, rule.window);

  // the thresholds before and after: one value when every group agrees, else null (shown per region on the page)
  const thresholds: BacktestSummary['thresholds'] = {};
  for (const k of rule.thresholds) {
    const befores = new Set(groups.map((g) => g.policy.thresholds[k as ThresholdKey]?.value ?? null));
    const before = befores.size === 1 ? ([...befores][0] ?? null) : null;
    thresholds[k] = { before, after: k in set ? (set[k] ?? null) : before };
  }

  const found: Array<Finding & { explanation: string }> = [];
  for (const g of groups) {
    const t = Object.fromEntries(Object.entries(g.policy.thresholds).map(([k, x]) => [k, k in set ? { ...x, value: set[k] ?? x.value } : x])) as Thresholds;
    for (const f of await findingsFor(c, rule, g.months, g.regions, thresholdValues(t))) found.push({ ...f, explanation: explain(rule, f, t) });
  }
  const white = await c.query<{ k: string }>(
    `select region_code || '|' || subject_type || '|' || subject_id as k from alert_whitelist where rule_id = $1 and expires_at >= current_date`,
    [rule.id],
  );
  const whiteSet = new Set(white.rows.map((r) => r.k));
  const after = found.filter((f) => !whiteSet.has(`${f.region_code}|${f.subject_type}|${f.subject_id}`));

  const first = months[0];
  const last = months[months.length - 1];
  const stored = first && last
    ? (
        await c.query<{ id: number; region_code: string; subject_type: string; subject_id: string; subject_name: string | null; period_key: string; status: string; amount: number; policy_id: string | null }>(
          `select id, region_code::text as region_code, subject_type, subject_id, subject_name, period_key, status, amount, policy_id from alerts
           where rule_id = $1 and region_code = any($2::bpchar[]) and period_start < $4::date and period_end >= $3::date`,
          [rule.id, regions, first, nextMonth(last)],
        )
      ).rows
    : [];
  const live = stored.filter((a) => a.status !== 'withdrawn');
  const withdrawn = new Map(stored.filter((a) => a.status === 'withdrawn').map((a) => [keyOf(a), a.id]));
  const afterKeys = new Set(after.map(keyOf));
  const liveKeys = new Set(live.map(keyOf));

  const kept = live.filter((a) => afterKeys.has(keyOf(a)));
  const disappear = live.filter((a) => !afterKeys.has(keyOf(a))).sort((a, b) => b.amount - a.amount || a.id - b.id);
  const appear: AppearingAlert[] = after
    .filter((f) => !liveKeys.has(keyOf(f)))
    .map((f) => ({
      region_code: f.region_code,
      subject_type: f.subject_type,
      subject_id: f.subject_id,
      subject_name: f.subject_name ?? null,
      period_key: f.period_key,
      value: f.value ?? null,
      threshold: f.threshold ?? null,
      amount: Math.round(f.amount ?? 0),
      explanation: f.explanation,
      setl_ids: f.setl_ids ?? [],
      stored_id: withdrawn.get(keyOf(f)) ?? null,
    }))
    .sort((a, b) => b.amount - a.amount || keyOf(a).localeCompare(keyOf(b)));

  const confirmedBefore = live.filter((a) => CONFIRMED.has(a.status)).length;
  const dismissedBefore = live.filter((a) => a.status === 'dismissed').length;
  const confirmedKept = kept.filter((a) => CONFIRMED.has(a.status)).length;
  const dismissedKept = kept.filter((a) => a.status === 'dismissed').length;
  const sum = (xs: Array<{ amount?: number | null }>) => xs.reduce((s, x) => s + Math.round(Number(x.amount ?? 0)), 0);
  return {
    rule: rule.id,
    regions,
    from: input.from ?? null,
    to: input.to ?? null,
    months: months.map((m) => m.slice(0, 7)),
    thresholds,
    alerts_before: live.length,
    alerts_after: after.length,
    confirmed_kept: confirmedKept,
    confirmed_lost: confirmedBefore - confirmedKept,
    dismissed_kept: dismissedKept,
    dismissed_avoided: dismissedBefore - dismissedKept,
    unreviewed_new: appear.length,
    precision_before: ratio(confirmedBefore, confirmedBefore + dismissedBefore),
    precision_after: ratio(confirmedKept, confirmedKept + dismissedKept),
    amount_before: sum(live),
    amount_after: sum(after),
    amount_lost: sum(disappear),
    amount_new: sum(appear),
    ms: Math.round(performance.now() - t0),
    appear,
    disappear: disappear.map((a) => ({ ...a, id: Number(a.id), amount: Number(a.amount) })),
  };
}

/** The figures without the lists (an adoption's record). */
export function summary(r: BacktestResult): BacktestSummary {
  const { appear: _a, disappear: _d, ...rest } = r;
  void _a;
  void _d;
  return rest;
}
