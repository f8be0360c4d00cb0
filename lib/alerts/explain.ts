/** Renders a rule's Chinese explanation template for one finding, so an alert reads on its own. */
import { maskId } from '../auth/mask';
import { money } from '../format';
import { basisText, resolveBasis } from '../policies/basis';
import type { Finding, RuleMeta } from '../rules/types';


export function formatValue(unit: RuleMeta['unit'], v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (unit) {
    case 'yuan':
      return money(v);
    case 'percent':
      return `${(v * 100).toFixed(1)}%`;
    case 'days':
      return `${Math.round(v)} 天`;
    case 'minutes':
      return `${Math.round(v)} 分钟`;
    case 'ratio':
      return v.toFixed(2);
    default:
      return GROUPED.format(Math.round(v * 100) / 100);
  }
}

/** counts and thresholds as a person reads them: 5,000 (separators), up to three decimals */
const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

export function formatPeriod(key: string): string {
  let m = /^(\d{4})-(\d{2})$/.exec(key);
  if (m) return `${m[1]}年${Number(m[2])}月`;
  m = /^(\d{4})-Q(\d)$/.exec(key);
  if (m) return `${m[1]}年第${m[2]}季度`;
  if (/^\d{4}$/.test(key)) return `${key}年`;
  return key;
}

const SUBJECT_LABEL: Record<string, string> = { institution: '机构', doctor: '医师', insured: '参保人', region: '统筹区' };

export function subjectLabel(type: string, id: string, name?: string | null): string {
  const shown = type === 'insured' ? maskId(id) : id;
  return `${SUBJECT_LABEL[type] ?? type} ${name ? `${name}（${shown}）` : shown}`;
}

/** The clauses an alert of `regionCode` cites (only documents binding that region), as stored in `alerts.clause`. */
export function clauseText(ruleId: string, regionCode: string): string {
  return basisText(resolveBasis(ruleId, regionCode).basis);
}

/**
 * The rule's template filled in for one finding. `{th.key}` is the threshold value the run used (`{th.key%}` as a
 * percentage), so an explanation never states a default that a regional override replaced.
 */
export function explain(rule: RuleMeta, f: Finding, thresholds: Record<string, { value: number }> = {}): string {
  const vars: Record<string, string> = {
    subject: subjectLabel(f.subject_type, f.subject_id, f.subject_name),
    period: formatPeriod(f.period_key),
    value: formatValue(rule.unit, f.value),
    threshold: formatValue(rule.unit, f.threshold),
    median: formatValue(rule.unit, f.peer_median),
    pct: f.percentile === null || f.percentile === undefined ? '—（同组不足，未排名）' : String(Math.round(f.percentile * 100)),
    z: f.robust_z === null || f.robust_z === undefined ? '—' : f.robust_z.toFixed(1),
    n: String(f.n ?? f.setl_ids?.length ?? 0),
    amount: money(f.amount ?? 0),
    basis: clauseText(rule.id, f.region_code),
  };
  return rule.template.replace(/\{([a-z_.]+%?)\}/gi, (_, key: string) => {
    if (key.startsWith('th.')) {
      const pct = key.endsWith('%');
      const v = thresholds[key.slice(3, pct ? -1 : undefined)]?.value;
      return v === undefined ? `{${key}}` : GROUPED.format(Math.round((pct ? v * 100 : v) * 1000) / 1000);
    }
    if (key.startsWith('extra.')) {
      const v = f.extra?.[key.slice(6)];
      return v === undefined || v === null ? '—' : String(v);
    }
    return vars[key] ?? `{${key}}`;
  });
}

/** What the alert page's 同组分布 panel shows: the numbers the rule computed, and the group's values when kept. */
export interface PeerPanel {
  /** false: the rule judges the subject against a fixed threshold, and the page shows no peer numbers */
  compares: boolean;
  group: string | null;
  /** group size the rule ranked in */
  n: number | null;
  median: number | null;
  /** this subject's percentile rank (0–1) */
  percentile: number | null;
  /** the percentile the subject had to reach (0–1), when the rule has one */
  thresholdPercentile: number | null;
  robustZ: number | null;
  thresholdZ: number | null;
  /** the group's values (rule unit), ascending; empty when the rule does not keep them (IND-GROWTH) */
  values: number[];
}

interface StoredEvidence {
  peer?: { median?: number | null; percentile?: number | null; robust_z?: number | null; n?: number | null };
  thresholds?: Record<string, { value: number } | null | undefined>;
}

/**
 * The peer panel of one alert. A rule that ranks against peers (`rule.peer`) shows the group it ranked in, its
 * size, median, this subject's percentile and z against the thresholds it was judged by, and the distribution; any
 * other rule shows none of these.
 */
export function peerPanel(
  rule: Pick<RuleMeta, 'peer'> | undefined,
  alert: { peerMedian: number | null; percentile: number | null; robustZ: number | null; evidence: unknown },
  peers: { values: Array<{ value: number }> } | null,
): PeerPanel {
  if (!rule?.peer) return { compares: false, group: null, n: null, median: null, percentile: null, thresholdPercentile: null, robustZ: null, thresholdZ: null, values: [] };
  const ev = (alert.evidence ?? {}) as StoredEvidence;
  const th = (key: string | undefined) => (key ? (ev.thresholds?.[key]?.value ?? null) : null);
  return {
    compares: true,
    group: rule.peer.group,
    n: ev.peer?.n ?? peers?.values.length ?? null,
    median: alert.peerMedian,
    percentile: alert.percentile,
    thresholdPercentile: th(rule.peer.percentileKey),
    robustZ: alert.robustZ,
    thresholdZ: th(rule.peer.zKey),
    values: peers?.values.map((v) => v.value) ?? [],
  };
}
