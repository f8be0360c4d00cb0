/**
 * A what-if scenario is a policy version in the format of policies/*.json (validated by the same zod
 * schema), put in force only inside a computation: `overrideSet` returns a policy set in which the
 * scenario wins for its region prefixes and dates, and the published versions it overlaps are cut
 * around it. Nothing here touches policies/ or policy_versions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors';
import type { Cite, Policy, PolicySet } from '../policies';
import { policySchema } from '../policies/schema';

/** Validates a scenario body exactly as a policy file is validated; the message names file and field. */
export function parseScenario(raw: unknown, file: string): Policy {
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new InputError(`政策文件 ${file} 字段 ${field || '(root)'} 无效 (invalid policy field): ${issue?.message ?? ''}`, { file, field: field || '(root)' });
  }
  return parsed.data;
}

export function readScenarioFile(file: string): Policy {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`无法读取政策文件 ${file}: ${(e as Error).message}`, { file, field: '(file)' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`政策文件 ${path.basename(file)} 不是有效的 JSON (invalid JSON): ${(e as Error).message}`, { file, field: '(root)' });
  }
  return parseScenario(raw, file);
}

const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
const dayAfter = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);

/**
 * The published set with `scenario` in force for its prefixes and dates. A published version whose
 * every prefix lies inside the scenario's area (equal or longer, e.g. 1405 inside 14) and whose dates
 * overlap is cut to the days outside the scenario (kept under its own id, so its clauses still cite it);
 * a version for a wider area (14 around a 140500 scenario) loses by the longest-prefix rule.
 */
export function overrideSet(base: PolicySet, scenario: Policy): PolicySet {
  const sFrom = scenario.effective_from;
  const sTo = scenario.effective_to ?? '9999-12-31';
  const inside = (p: Policy) => p.region_prefixes.every((x) => scenario.region_prefixes.some((s) => x.startsWith(s)));
  const policies: Policy[] = [scenario];
  for (const p of base.policies) {
    if (p.id === scenario.id) continue;
    const pTo = p.effective_to ?? '9999-12-31';
    if (!inside(p) || p.effective_from > sTo || pTo < sFrom) {
      policies.push(p);
      continue;
    }
    if (p.effective_from < sFrom) policies.push({ ...p, effective_to: dayBefore(sFrom) });
    if (pTo > sTo) policies.push({ ...p, effective_from: dayAfter(sTo) });
  }
  const files = new Map(base.files);
  files.set(scenario.id, { file: `${scenario.id}.json`, sha256: '' });
  return { policies, files };
}

export interface ScenarioChange {
  /** dotted field path, e.g. rates_bp.retired.pharmacy */
  field: string;
  before: number | boolean | string | null;
  after: number | boolean | string | null;
  /** the clause of the base policy this number came from */
  cite: Cite;
}

/** What a scenario changes against the base version, each with the base clause it departs from. */
export function scenarioChanges(base: Policy, s: Policy): ScenarioChange[] {
  const out: ScenarioChange[] = [];
  const keys = ['1', '2', '3', 'pharmacy'] as const;
  const push = (field: string, before: ScenarioChange['before'], after: ScenarioChange['after'], cite: Cite) => {
    if (before !== after) out.push({ field, before, after, cite });
  };
  const bd = base.deductible;
  const sd = s.deductible;
  if (bd.mode !== sd.mode) push('deductible.mode', bd.mode, sd.mode, bd.cite);
  if (bd.mode === 'per_visit' && sd.mode === 'per_visit') {
    for (const k of keys) push(`deductible.amounts_fen.${k}`, bd.amounts_fen[k] ?? null, sd.amounts_fen[k] ?? null, bd.cite);
    push('deductible.annual_cap_fen', bd.annual_cap_fen, sd.annual_cap_fen, bd.cap_cite ?? bd.cite);
  }
  if (bd.mode === 'annual' && sd.mode === 'annual') push('deductible.annual_fen', bd.annual_fen, sd.annual_fen, bd.cite);
  for (const who of ['in_service', 'retired'] as const) {
    for (const k of keys) push(`rates_bp.${who}.${k}`, base.rates_bp[who][k] ?? null, s.rates_bp[who][k] ?? null, base.rates_bp.cite);
    push(`annual_cap_fen.${who}`, base.annual_cap_fen[who], s.annual_cap_fen[who], base.annual_cap_fen.cite);
  }
  push('annual_cap_fen.pharmacy_counts', base.annual_cap_fen.pharmacy_counts !== false, s.annual_cap_fen.pharmacy_counts !== false, base.annual_cap_fen.cite);
  push('pharmacies_covered', base.pharmacies_covered !== false, s.pharmacies_covered !== false, base.rates_bp.cite);
  return out;
}
