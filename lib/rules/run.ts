/**
 * Runs every rule for the scope's months and regions (all with `full`), turns findings into
 * explained alerts and upserts them. Rules read the rollups (ind_*), so `refreshIndicators` runs first.
 * Region groups sharing one threshold set run each rule once.
 */
import type pg from 'pg';
import { clauseText, explain } from '../alerts/explain';
import { upsertAlerts, withdrawStale, type AlertRow } from '../alerts/upsert';
import type { Db } from '../db/client';
import { dayRuns } from '../indicators/refresh';
import { inTransaction, monthDate, normaliseMonths, SESSION_SETTINGS } from '../indicators/sql';
import { isDistributed } from '../db/distribute';
import type { PipelineScope } from '../pipeline/after-ingest';
import { resolveBasis, thresholdBasis } from '../policies/basis';
import { type Thresholds } from '../policies/monitoring';
import { groupScopeByPolicy, loadMonitoringVersions } from '../policies/monitoring-versions';
import { rules as allRules } from './index';
import type { Finding, Rule } from './types';

export interface RuleRunResult {
  months: string[];
  regions: string[];
  rules: Array<{ id: string; findings: number; ms: number }>;
  alerts: { inserted: number; total: number; suppressed: number; withdrawn: number };
}

export function thresholdValues(t: Thresholds): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.value]));
}

async function names(c: pg.ClientBase, findings: Finding[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const inst = [...new Set(findings.filter((f) => f.subject_type === 'institution').map((f) => f.subject_id))];
  const drs = [...new Set(findings.filter((f) => f.subject_type === 'doctor').map((f) => f.subject_id))];
  if (inst.length) {
    const r = await c.query<{ code: string; name: string }>(
      'select distinct on (fixmedins_code) fixmedins_code as code, fixmedins_name as name from institutions where fixmedins_code = any($1) order by fixmedins_code',
      [inst],
    );
    for (const x of r.rows) out.set(`institution:${x.code}`, x.name);
  }
  if (drs.length) {
    const r = await c.query<{ code: string; name: string | null }>(
      'select distinct on (dr_codg) dr_codg as code, dr_name as name from doctors where dr_codg = any($1) order by dr_codg',
      [drs],
    );
    for (const x of r.rows) if (x.name) out.set(`doctor:${x.code}`, x.name);
  }
  return out;
}

export function toAlert(rule: Rule, f: Finding, t: Thresholds, policyIds: string[]): AlertRow {
  // each threshold as recorded on the alert: its words and the clauses among its `cites` that bind the alert's region
  const thresholds = Object.fromEntries(
    rule.thresholds.map((k) => {
      const x = t[k as keyof Thresholds];
      if (!x) return [k, x];
      return [k, { value: x.value, unit: x.unit, basis: thresholdBasis(x, f.region_code) }];
    }),
  );
  return {
    region_code: f.region_code,
    rule_id: rule.id,
    subject_type: f.subject_type,
    subject_id: f.subject_id,
    subject_name: f.subject_name ?? null,
    period_key: f.period_key,
    period_start: f.period_start,
    period_end: f.period_end,
    result_type: f.result_type ?? rule.resultType,
    severity: f.severity ?? rule.severity,
    value: f.value ?? null,
    threshold: f.threshold ?? null,
    peer_median: f.peer_median ?? null,
    percentile: f.percentile ?? null,
    robust_z: f.robust_z ?? null,
    amount: Math.round(f.amount ?? 0),
    explanation: explain(rule, f, t),
    clause: clauseText(rule.id, f.region_code),
    evidence: {
      setl_ids: f.setl_ids ?? [],
      n: f.n ?? f.setl_ids?.length ?? 0,
      value: f.value ?? null,
      threshold: f.threshold ?? null,
      unit: rule.unit,
      peer: { median: f.peer_median ?? null, percentile: f.percentile ?? null, robust_z: f.robust_z ?? null, n: f.peer_n ?? null },
      extra: f.extra ?? {},
      thresholds,
      basis: resolveBasis(rule.id, f.region_code).basis,
    },
    policy_id: policyIds.join('+'),
  };
}

function nextMonth(d: string): string {
  const [y, m] = d.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** The months and the `k` months following each, sorted ('YYYY-MM-01' dates). */
function withFollowing(months: string[], k: number): string[] {
  const out = new Set(months);
  for (const m of months) for (let i = 0, d = m; i < k; i++) out.add((d = nextMonth(d)));
  return [...out].sort();
}

/**
/**
 * One rule's findings for (months, regions, thresholds), subject names filled in, nothing written: what the
 * monitoring run stores and what a back-test (lib/rules/backtest.ts) compares with the stored alerts.
 * `months`: sorted 'YYYY-MM-01' dates. `persons`: for a person- or subject-local rule, only these subjects' findings (null: all).
 */
export async function findingsFor(
  c: pg.ClientBase,
  rule: Rule,
  months: string[],
  regions: string[],
  thresholds: Record<string, number>,
  persons: string[] | null = null,
): Promise<Finding[]> {
  if (!months.length || !regions.length) return [];
  // $4/$5: the scope's first month and the day after its last month as constants, so that the planner
  // prunes partitions and estimates row counts (a subquery over $1 left it guessing: nested loops, 5 s)
  const subjects = rule.personLocal || rule.local ? persons : null;
  const params = [months, regions, JSON.stringify(thresholds), months[0], nextMonth(months[months.length - 1] ?? ''), subjects];
  // Postgres refuses unused parameters: pass only as many as the query references.
  const used = Math.max(0, ...[...rule.sql.matchAll(/\$(\d)/g)].map((m) => Number(m[1])));
  const r = await c.query<Finding>(rule.sql, params.slice(0, used)).catch((e: Error) => {
    throw new Error(`rule ${rule.id}: ${e.message}`, { cause: e });
  });
  const nm = await names(c, r.rows);
  for (const f of r.rows) f.subject_name ??= nm.get(`${f.subject_type}:${f.subject_id}`) ?? null;
  return r.rows;
}

/** What a day's refresh changed: the days ('YYYY-MM-DD') and the persons whose visits changed. */
export interface DayChange {
  days: string[];
  persons: string[];
}

/**
 * The subjects a subject-local rule re-runs for after a day's batch (RuleMeta.local): those its `changed` query finds
 * among the changed days' visits, and those it has alerted in the scope (their finding may shrink or go).
 */
async function changedSubjects(c: pg.ClientBase, rule: Rule, months: string[], regions: string[], thresholds: Record<string, number>, day: DayChange): Promise<string[]> {
  if (!rule.local || !months.length) return [];
  const from = months[0] ?? '';
  const to = nextMonth(months[months.length - 1] ?? '');
  const d = `d as (select * from rule_day_visits where month = any($1::date[]) and region_code = any($2::text[]))`;
  const changed = rule.local.changed.trim();
  const sql = `
${/^with\s/i.test(changed) ? `with ${d}, ${changed.replace(/^with\s+/i, '')}` : `with ${d} ${changed}`}
union select subject_id from alerts
  where rule_id = $7 and region_code = any($2::bpchar[]) and period_start < $5::date and period_end >= $4::date`;
  // every parameter typed even when the rule's query does not read it ($6: the persons whose visits changed)
  const r = await c.query<{ subject_id: string }>(
    `select subject_id from (${sql}) x where $3::jsonb is not null and $6::text[] is not null`,
    [months, regions, JSON.stringify(thresholds), from, to, day.persons, rule.id],
  );
  return r.rows.map((x) => x.subject_id);
}

/**
 * Runs the rules inside an open transaction; each region and month under the thresholds in force
 * (lib/policies/monitoring-versions.ts). `day`: what a day's refresh changed, when it knows — person-local rules
 * re-run for the persons whose visits changed, subject-local rules for the subjects those changes can alert
 * (changedSubjects); null: everyone. `helper`: a second connection reading the transaction's snapshot (withReader):
 * the rules' findings are computed on both connections at once, and written by `c` in the rules' order.
 */
export async function runRulesOn(
  c: pg.ClientBase,
  months: string[],
  regions: string[],
  only?: string[],
  day: DayChange | null = null,
  helper: pg.ClientBase | null = null,
): Promise<RuleRunResult> {
  const out: RuleRunResult = { months, regions, rules: [], alerts: { inserted: 0, total: 0, suppressed: 0, withdrawn: 0 } };
  if (!months.length || !regions.length) return out;
  const monthDates = months.map(monthDate).sort();
  const versions = await loadMonitoringVersions(c);
  const readers = helper ? [c, helper] : [c];
  if (day) {
    for (const d of day.days) if (!/^\d{4}-(0[1-9]|1[0-2])-\d{2}$/.test(d)) throw new Error(`invalid day in pipeline scope: ${d}`);
    // the changed days' visits, read once for every subject-local rule's `changed` query (changedSubjects), by each reader
    const ranges = dayRuns(day.days)
      .map(([a, b]) => `(setl_time >= '${a}'::date::timestamp at time zone 'Asia/Shanghai' and setl_time < '${b}'::date::timestamp at time zone 'Asia/Shanghai')`)
      .join(' or ');
    for (const r of readers) {
      await r.query('drop table if exists rule_day_visits');
      await r.query(`create temp table rule_day_visits on commit drop as select * from ind_visits where month = any($1::date[]) and region_code = any($2::text[]) and (${ranges || 'false'})`, [
        monthDates,
        regions,
      ]);
      await r.query('analyze rule_day_visits');
    }
  }
  type Scope = { regions: string[]; months: string[]; found: AlertRow[]; subjects: string[] | null };
  const todo = allRules.filter((rule) => !only || only.includes(rule.id));
  // a rule's findings, on whichever reader is free (nothing written: the rules read the rollups only)
  const findings = async (rule: Rule, r: pg.ClientBase): Promise<{ scopes: Scope[]; ms: number }> => {
    const t0 = performance.now();
    const key = rule.baselineMonthsKey as keyof Thresholds | undefined;
    const follow = key ? Math.max(0, ...groupScopeByPolicy(regions, monthDates, versions, rule.window).map((g) => g.policy.thresholds[key]?.value ?? 0)) : 0;
    const ms = follow > 0 ? withFollowing(monthDates, follow) : monthDates;
    const scopes: Scope[] = [];
    for (const g of groupScopeByPolicy(regions, ms, versions, rule.window)) {
      const th = thresholdValues(g.policy.thresholds);
      const subjects = !day ? null : rule.personLocal ? day.persons : rule.local ? await changedSubjects(r, rule, g.months, g.regions, th, day) : null;
      const found = subjects?.length === 0 ? [] : (await findingsFor(r, rule, g.months, g.regions, th, subjects)).map((f) => toAlert(rule, f, g.policy.thresholds, g.policy.ids));
      scopes.push({ regions: g.regions, months: g.months, found, subjects });
    }
    return { scopes, ms: performance.now() - t0 };
  };
  // the alerts of one rule, written by `c` (one rule at a time, in the catalogue's order)
  const write = async (rule: Rule, x: { scopes: Scope[]; ms: number }) => {
    const t0 = performance.now();
    const rows = x.scopes.flatMap((s) => s.found);
    const up = await upsertAlerts(c, rows);
    for (const s of x.scopes) if (s.subjects?.length !== 0) out.alerts.withdrawn += await withdrawStale(c, rule.id, s.regions, s.months, s.found, s.subjects);
    out.alerts.inserted += up.inserted;
    out.alerts.total += up.total;
    out.alerts.suppressed += up.suppressed;
    out.rules.push({ id: rule.id, findings: rows.length, ms: Math.round(x.ms + performance.now() - t0) });
  };
  // each reader takes the next rule; a rule's findings are written as soon as those of every rule before it are
  const done: Array<{ scopes: Scope[]; ms: number } | undefined> = [];
  let next = 0;
  let written = 0;
  let writing: Promise<void> = Promise.resolve();
  // readers waiting for the written rules to catch up (below)
  let waiting: Array<() => void> = [];
  const wakeAll = () => {
    const w = waiting;
    waiting = [];
    for (const wake of w) wake();
  };
  const flush = () => {
    while (written < todo.length && done[written]) {
      const i = written++;
      const rule = todo[i] as Rule;
      const x = done[i] as { scopes: Scope[]; ms: number };
      done[i] = { scopes: [], ms: 0 }; // the rows are let go once written
      writing = writing.then(() => write(rule, x));
      writing.catch(() => undefined); // awaited below: a failed write fails the run there, not as an unhandled rejection
    }
    wakeAll();
  };
  await Promise.all(
    readers.map(async (r) => {
      try {
        await readRules(r);
      } finally {
        // a reader that failed stops the other: it takes no further rule, and one waiting is woken to see that
        next = todo.length;
        wakeAll();
      }
    }),
  );
  await writing;
  return out;

  async function readRules(r: pg.ClientBase): Promise<void> {
    while (next < todo.length) {
      // at most LOOK_AHEAD rules taken beyond the first one not yet written: unbounded, a reader could run on while
      // the other worked on a long rule and hold the findings of every rule in between (a full run at 10M settlements
      // peaked at 330 MB RSS with unbounded readers, 209 MB on one connection). The rule at `written` is being computed by the other
      // reader, which wakes this one when it is done.
      while (next < todo.length && next - written > LOOK_AHEAD) await new Promise<void>((wake) => waiting.push(wake));
      if (next >= todo.length) break;
      const i = next++;
      done[i] = await findings(todo[i] as Rule, r);
      flush();
      // the writer's queue first: a reader that is also the writer does not run ahead of its writes
      if (r === c) await writing;
    }
  }
}

/** how many rules a reader may take beyond the first one whose findings are not written yet (runRulesOn) */
const LOOK_AHEAD = 2;

/**
 * fn with a second connection that reads what `c`'s transaction reads (its snapshot, exported), in a transaction of
 * its own that writes nothing but scratch tables; null on Citus (a snapshot does not span the workers).
 */
export async function withReader<T>(db: Db, c: pg.ClientBase, fn: (reader: pg.PoolClient | null) => Promise<T>): Promise<T> {
  if (await isDistributed(c)) return fn(null);
  const snap = await c.query<{ s: string }>('select pg_export_snapshot() as s');
  const r = await db.$client.connect();
  try {
    // (not READ ONLY: a day's run creates its scratch table of the day's visits on each reader)
    await r.query('begin isolation level repeatable read');
    await r.query(`set transaction snapshot ${r.escapeLiteral(snap.rows[0]?.s ?? '')}`);
    await r.query(SESSION_SETTINGS);
    return await fn(r);
  } finally {
    await r.query('rollback').catch(() => undefined);
    r.release();
  }
}

/** Pipeline step: rules for the scope's months and regions; every month and region with `full`. */
export async function runRules(db: Db, scope: PipelineScope): Promise<RuleRunResult> {
  return inTransaction(db, async (c) => {
    const full = scope.full === true;
    let months = normaliseMonths(scope.months);
    let regions = [...new Set(scope.regionCodes)];
    if (full || !months.length) {
      if (full) {
        const r = await c.query<{ m: string }>("select distinct to_char(month, 'YYYY-MM') as m from ind_region_month order by 1");
        months = r.rows.map((x) => x.m);
      }
    }
    if (full || !regions.length) {
      const r = await c.query<{ r: string }>('select distinct region_code as r from ind_region_month order by 1');
      regions = r.rows.map((x) => x.r);
    }
    const day = !full && scope.persons && scope.days?.length ? { days: scope.days, persons: scope.persons } : null;
    return withReader(db, c, async (reader) => {
      // a full run, one core a connection: two rule queries at once, each without parallel workers, took 16.3 s at 1M
      // settlements; with workers 18.1 s, one connection with workers 21.2 s. (A day's run keeps its workers: its
      // person-local queries, planned without them, scanned where they had probed.)
      if (reader && !day) for (const x of [reader, c]) await x.query('set local max_parallel_workers_per_gather = 0');
      return runRulesOn(c, months, regions, undefined, day, reader);
    });
  });
}
