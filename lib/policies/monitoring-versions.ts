/**
 * Monitoring threshold versions adopted from a back-test (table monitoring_versions), layered over the files of
 * policies/monitoring/: from its effective month a version's thresholds replace the file's for its region. A version
 * holds the full set of overrides in force (an earlier version's and the new ones), validated with the schema of an
 * override file. The run picks, per region and month, the version in force at the start of the alert's period
 * (a year-window rule: at 1 January), so every alert is judged by one set and records its id (`policy_id`).
 */
import type pg from 'pg';
import { monitoringFor, thresholdOverrides, type MonitoringPolicy, type Thresholds } from './monitoring';

export interface MonitoringVersion {
  id: number;
  regionCode: string;
  /** 'YYYY-MM-01' */
  effectiveFrom: string;
  thresholds: Partial<Thresholds>;
  basedOn: string;
  ruleId: string;
  reason: string;
  author: string;
  createdAt: string;
  backtest: unknown;
}

/** A version's policy id as alerts record it: monitoring-<region>-<effective date>-v<id>. */
export function versionPolicyId(v: Pick<MonitoringVersion, 'id' | 'regionCode' | 'effectiveFrom'>): string {
  return `monitoring-${v.regionCode}-${v.effectiveFrom}-v${v.id}`;
}

const VERSION_ID = /^monitoring-(\d{6})-(\d{4}-\d{2}-\d{2})-v(\d+)$/;

/** The parts of a version's policy id, or null for a file id. */
export function parseVersionPolicyId(id: string): { regionCode: string; effectiveFrom: string; id: number } | null {
  const m = VERSION_ID.exec(id);
  return m ? { regionCode: m[1] ?? '', effectiveFrom: m[2] ?? '', id: Number(m[3]) } : null;
}

/** Every adopted version (of the regions the connection may see: RLS), oldest first; a row that fails the schema names its id and field. */
export async function loadMonitoringVersions(c: Pick<pg.ClientBase, 'query'>, regions?: string[]): Promise<MonitoringVersion[]> {
  const r = await c.query<{
    id: number;
    region_code: string;
    effective_from: string;
    thresholds: unknown;
    based_on: string;
    rule_id: string;
    reason: string;
    author: string;
    created_at: Date;
    backtest: unknown;
  }>(
    `select id, region_code, effective_from::text as effective_from, thresholds, based_on, rule_id, reason, author, created_at, backtest
     from monitoring_versions where $1::text[] is null or region_code = any($1::bpchar[]) order by region_code, effective_from, id`,
    [regions ?? null],
  );
  return r.rows.map((x) => {
    const t = thresholdOverrides.safeParse(x.thresholds);
    if (!t.success) {
      const i = t.error.issues[0];
      throw new Error(`监测阈值版本 ${x.id}（${x.region_code}）字段 thresholds.${i?.path.join('.') ?? ''}：${i?.message ?? '格式有误'}`);
    }
    return {
      id: Number(x.id),
      regionCode: x.region_code,
      effectiveFrom: x.effective_from,
      thresholds: t.data as Partial<Thresholds>,
      basedOn: x.based_on,
      ruleId: x.rule_id,
      reason: x.reason,
      author: x.author,
      createdAt: x.created_at.toISOString(),
      backtest: x.backtest,
    };
  });
}

export interface PolicyInForce extends MonitoringPolicy {
  /** the adopted version in force, if any (else the files alone) */
  version: MonitoringVersion | null;
}

/** The thresholds in force for a region at a date ('YYYY-MM-DD'): the files, then the latest version effective by then. */
export function policyInForce(regionCode: string, date: string, versions: MonitoringVersion[]): PolicyInForce {
  const file = monitoringFor(regionCode);
  let v: MonitoringVersion | null = null;
  for (const x of versions) if (x.regionCode === regionCode && x.effectiveFrom <= date && (!v || x.effectiveFrom >= v.effectiveFrom)) v = x;
  if (!v) return { ...file, version: null };
  return { ids: [...file.ids, versionPolicyId(v)], thresholds: { ...file.thresholds, ...v.thresholds } as Thresholds, version: v };
}

/** The date a rule's alert period starts for a month ('YYYY-MM-01'): the month, its quarter or its year. */
export function periodStartOf(window: string, month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  if (window === 'year') return `${y}-01-01`;
  if (window === 'quarter') return `${y}-${String(Math.floor((m - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;
  return month.slice(0, 10);
}

export interface PolicyScope {
  policy: PolicyInForce;
  regions: string[];
  /** 'YYYY-MM-01', sorted */
  months: string[];
}

/**
 * Splits regions × months by the policy in force at each month's alert period start, into groups of regions sharing
 * the same months and policy (one query each). Without adopted versions: one group per file set, all months.
 */
export function groupScopeByPolicy(regions: string[], months: string[], versions: MonitoringVersion[], window = 'month'): PolicyScope[] {
  const perRegion = new Map<string, { policy: PolicyInForce; region: string; months: string[] }>();
  for (const region of regions) {
    for (const m of months) {
      const policy = policyInForce(region, periodStartOf(window, m), versions);
      const k = `${region}|${policy.ids.join('+')}`;
      const e = perRegion.get(k) ?? { policy, region, months: [] };
      e.months.push(m);
      perRegion.set(k, e);
    }
  }
  const groups = new Map<string, PolicyScope>();
  for (const e of perRegion.values()) {
    const ms = [...e.months].sort();
    const k = `${e.policy.ids.join('+')}|${ms.join(',')}`;
    const g = groups.get(k) ?? { policy: e.policy, regions: [], months: ms };
    g.regions.push(e.region);
    groups.set(k, g);
  }
  return [...groups.values()];
}
