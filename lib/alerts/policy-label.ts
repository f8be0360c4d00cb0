/**
 * A policy id as a person reads it: its Chinese name (and effective date for a benefit policy), never the
 * file id. Alerts carry the monitoring threshold ids joined by '+' (lib/rules/run.ts); penalties carry
 * the discretion policy's id.
 */
import { loadPolicies } from '../policies';
import { loadMonitoring } from '../policies/monitoring';
import { parseVersionPolicyId } from '../policies/monitoring-versions';
import { loadPenaltyPolicy } from '../policies/penalties';

/** "监测阈值（全国默认）：依据 …" → "监测阈值（全国默认）" */
function head(document: string): string {
  const i = document.search(/[：:]/);
  return (i > 0 ? document.slice(0, i) : document).trim();
}

function one(id: string): string {
  // a version adopted from a back-test (lib/policies/monitoring-versions.ts)
  const v = parseVersionPolicyId(id);
  if (v) return `监测阈值调整第 ${v.id} 号（${v.regionCode}，${v.effectiveFrom} 起）`;
  const m = loadMonitoring();
  const mon = [m.base, ...m.overrides].find((p) => p.id === id);
  if (mon) return head(mon.document);
  const pen = loadPenaltyPolicy();
  if (pen.id === id) return head(pen.document);
  const benefit = loadPolicies().policies.find((p) => p.id === id);
  if (benefit) return `${benefit.name}（${benefit.effective_from} 起施行）`;
  return `未登记的政策版本 ${id}`;
}

export function policyLabel(ids: string | null | undefined): string {
  if (!ids) return '—';
  return ids
    .split('+')
    .filter(Boolean)
    .map((id) => one(id))
    .join('；');
}
