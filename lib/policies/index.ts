/**
 * Benefit policy versions: one JSON file per regional version in policies/ (top level only; the
 * sub-folders hold monitoring thresholds and sanctions). Validated with zod at load; a malformed file
 * stops the caller with an error naming the file and the field. Resolution by region and date:
 * longest region-prefix match whose effective range (inclusive both ends) holds the date; none → error.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { InputError } from '../errors';
import { policySchema, type Policy } from './schema';

export type { Cite, ExclusionCode, Policy } from './schema';

export interface PolicySet {
  policies: Policy[];
  files: Map<string, { file: string; sha256: string }>;
}

/** Reads and validates every top-level policies/*.json (`dir` relative to the working directory). */
export function loadPolicies(dir = 'policies'): PolicySet {
  dir = path.resolve(process.cwd(), dir);
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => e.name)
    .sort();
  const policies: Policy[] = [];
  const meta = new Map<string, { file: string; sha256: string }>();
  for (const name of files) {
    const file = path.join(dir, name);
    const text = fs.readFileSync(file, 'utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new InputError(`政策文件 ${name} 不是有效的 JSON (invalid JSON): ${(e as Error).message}`, { file: name });
    }
    const parsed = policySchema.safeParse(raw);
    if (!parsed.success) {
      // The message names file and field itself, so a caller that prints only e.message (start-up) still shows them.
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') ?? '';
      throw new InputError(`政策文件 ${name} 字段 ${field || '(root)'} 无效 (invalid policy field): ${issue?.message ?? ''}`, { file: name, field });
    }
    if (meta.has(parsed.data.id)) throw new InputError(`政策编号重复 (duplicate policy id) ${parsed.data.id}`, { file: name, field: 'id' });
    policies.push(parsed.data);
    meta.set(parsed.data.id, { file: name, sha256: createHash('sha256').update(text).digest('hex') });
  }
  // Two versions for the same prefixes must not overlap in time: the answer for a date must be unique.
  for (const a of policies) {
    for (const b of policies) {
      if (a === b || a.id > b.id) continue;
      const shared = a.region_prefixes.some((p) => b.region_prefixes.includes(p));
      const overlap = a.effective_from <= (b.effective_to ?? '9999-12-31') && b.effective_from <= (a.effective_to ?? '9999-12-31');
      if (shared && overlap) throw new InputError(`政策 ${a.id} 与 ${b.id} 生效期重叠 (overlapping versions)`, { file: meta.get(b.id)?.file, field: 'effective_from' });
    }
  }
  return { policies, files: meta };
}

export class PolicyNotFound extends Error {
  override name = 'PolicyNotFound';
}

/** The version in force for a pooling area on a local date ('YYYY-MM-DD'). */
export function policyFor(set: PolicySet, admdvs: string, date: string): Policy {
  let best: Policy | undefined;
  let bestLen = -1;
  for (const p of set.policies) {
    if (date < p.effective_from || (p.effective_to !== null && date > p.effective_to)) continue;
    for (const prefix of p.region_prefixes) {
      if (admdvs.startsWith(prefix) && prefix.length > bestLen) {
        best = p;
        bestLen = prefix.length;
      }
    }
  }
  if (!best) throw new PolicyNotFound(`没有适用的政策 (no policy covers region ${admdvs} on ${date})`);
  return best;
}

/** Records the loaded versions in policy_versions (what was in force, with the file's hash). */
export async function syncPolicyVersions(db: DbOrTx, set: PolicySet = loadPolicies()): Promise<number> {
  for (const p of set.policies) {
    const sha = set.files.get(p.id)?.sha256 ?? '';
    await db.execute(sql`
      insert into policy_versions (id, region_prefixes, effective_from, effective_to, document, sha256, body)
      values (${p.id}, ${`{${p.region_prefixes.join(',')}}`}::text[], ${p.effective_from}, ${p.effective_to}, ${p.document.number}, ${sha}, ${JSON.stringify(p)}::jsonb)
      on conflict (id) do update set region_prefixes = excluded.region_prefixes, effective_from = excluded.effective_from,
        effective_to = excluded.effective_to, document = excluded.document, sha256 = excluded.sha256, body = excluded.body, loaded_at = excluded.loaded_at
      where policy_versions.sha256 is distinct from excluded.sha256`);
  }
  return set.policies.length;
}
