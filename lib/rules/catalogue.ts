/**
 * The rule catalogue as a person reads it (issue 21, `rules list` and the 规则 page): each rule's metadata, legal basis,
 * the national default thresholds (policies/monitoring/default.json) and, per region, the thresholds in force on a
 * date and where each comes from — the default file, a regional override file, or a version adopted from a back-test.
 */
import type pg from 'pg';
import { policyLabel } from '../alerts/policy-label';
import { loadBasisCatalogue, resolveBasis } from '../policies/basis';
import { loadMonitoring, type ThresholdKey } from '../policies/monitoring';
import { loadMonitoringVersions, parseVersionPolicyId, policyInForce, versionPolicyId, type MonitoringVersion } from '../policies/monitoring-versions';
import { rules } from './index';
import type { Rule } from './types';

export type ThresholdSource = 'default' | 'override' | 'version';

export interface ThresholdInForce {
  value: number;
  unit: string;
  basis: string;
  source: ThresholdSource;
  /** the file's or version's name, e.g. 监测阈值（全国默认） */
  source_label: string;
  /** the file id or version policy id it comes from */
  source_id: string;
}

export interface RegionThresholds {
  region: string;
  policy_id: string;
  thresholds: Record<string, ThresholdInForce>;
  basis: Array<{ doc: string; clause: string }>;
}

export interface CatalogueEntry {
  id: string;
  nameZh: string;
  resultType: Rule['resultType'];
  window: Rule['window'];
  subject: Rule['subject'];
  severity: Rule['severity'];
  scenario: string;
  /** the national default value of every threshold key the rule reads */
  thresholds: Record<string, number>;
  /** every clause the catalogue gives the rule as 依据 (policies/basis/catalogue.json; per region: `regions[].basis`) */
  basis: Array<{ doc: string; clause: string }>;
  regions: RegionThresholds[];
}

function ruleBasis(ruleId: string): Array<{ doc: string; clause: string }> {
  const cat = loadBasisCatalogue();
  return (cat.rules[ruleId] ?? [])
    .filter((e) => !e.analogy)
    .flatMap((e) => {
      const c = cat.citations.find((x) => x.id === e.cite);
      const d = c && cat.documents.find((x) => x.id === c.doc);
      return c && d ? [{ doc: d.name, clause: c.clause }] : [];
    });
}

/** Where a region's threshold in force comes from. */
function sourceOf(key: ThresholdKey, version: MonitoringVersion | null, overrideId: string | undefined): Pick<ThresholdInForce, 'source' | 'source_label' | 'source_id'> {
  if (version && key in version.thresholds) {
    const id = versionPolicyId(version);
    return { source: 'version', source_id: id, source_label: `${policyLabel(id)}：${version.reason}（${version.author}）` };
  }
  const m = loadMonitoring();
  const o = overrideId ? m.overrides.find((x) => x.id === overrideId) : undefined;
  if (o && key in o.thresholds) return { source: 'override', source_id: o.id, source_label: policyLabel(o.id) };
  return { source: 'default', source_id: m.base.id, source_label: policyLabel(m.base.id) };
}

/** Every rule (catalogue order) with the thresholds in force on `date` ('YYYY-MM-DD') in each of `regions`. */
export async function ruleCatalogue(c: Pick<pg.ClientBase, 'query'>, regions: string[], date: string): Promise<CatalogueEntry[]> {
  const versions = regions.length ? await loadMonitoringVersions(c, regions) : [];
  const base = loadMonitoring().base.thresholds;
  const inForce = regions.map((r) => ({ region: r, p: policyInForce(r, date, versions) }));
  return rules.map((rule) => ({
    id: rule.id,
    nameZh: rule.nameZh,
    resultType: rule.resultType,
    window: rule.window,
    subject: rule.subject,
    severity: rule.severity,
    scenario: rule.scenario,
    thresholds: Object.fromEntries(rule.thresholds.map((k) => [k, base[k as ThresholdKey].value])),
    basis: ruleBasis(rule.id),
    regions: inForce.map(({ region, p }) => ({
      region,
      policy_id: p.ids.join('+'),
      basis: resolveBasis(rule.id, region).basis.map((b) => ({ doc: b.doc, clause: b.clause })),
      thresholds: Object.fromEntries(
        rule.thresholds.map((k) => {
          const t = p.thresholds[k as ThresholdKey];
          const overrideId = p.ids.find((id, i) => i > 0 && parseVersionPolicyId(id) === null);
          return [k, { value: t.value, unit: t.unit, basis: t.basis, ...sourceOf(k as ThresholdKey, p.version, overrideId) }];
        }),
      ),
    })),
  }));
}
