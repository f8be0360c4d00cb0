/**
 * Saved what-if scenarios (whatif_scenarios). Everyone of the region sees them (row-level security);
 * reviewers and admins draft them (`scenario.draft`). A save validates the body as a policy file, runs
 * in one transaction with its audit row, and never touches policies/ or policy_versions: a scenario is
 * never in force.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { audit } from '../audit';
import { assertCan } from '../auth/permissions';
import type { Db } from '../db/client';
import { whatifScenarios } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { InputError, NotFoundError } from '../errors';
import { loadPolicies, type Policy } from '../policies';
import { buildScenario, type DraftInput } from './draft';
import { parseScenario } from './scenario';

export interface SavedScenario {
  id: number;
  regionCode: string;
  name: string;
  basePolicyId: string;
  body: Policy;
  authorName: string;
  createdAt: Date;
}

const visible = (actor: Actor, region: string) => actor.regions.includes('*') || actor.regions.includes(region);

export async function saveScenario(db: Db, actor: Actor, input: { basePolicyId: string; region: string; name: string; draft: DraftInput }, ip?: string | null): Promise<SavedScenario> {
  assertCan(actor, 'scenario.draft');
  const name = input.name.trim();
  if (name.length < 2 || name.length > 60) throw new InputError('方案名称：请填写 2–60 个字', { field: 'name' });
  if (!visible(actor, input.region)) throw new InputError(`地区 ${input.region} 不在您的管辖范围内`, { field: 'region' });
  const base = loadPolicies().policies.find((p) => p.id === input.basePolicyId);
  if (!base) throw new NotFoundError('政策不存在');
  return scoped(db, actor, async (tx) => {
    const seq = await tx.execute<{ id: string }>(sql`select nextval(pg_get_serial_sequence('whatif_scenarios', 'id'))::text as id`);
    const id = Number(seq.rows[0]?.id);
    const body = buildScenario(base, input.draft, { id: `whatif-${id}`, name, region: input.region });
    const [row] = await tx
      .insert(whatifScenarios)
      .values({ regionCode: input.region, id, name, basePolicyId: base.id, body, authorId: actor.userId, authorName: actor.name })
      .returning();
    if (!row) throw new Error('scenario not saved');
    await audit(tx, actor, { action: 'scenario.create', entity: 'whatif_scenario', entityId: id, regionCode: input.region, after: { name, basePolicyId: base.id, body }, ip });
    return { ...row, body };
  });
}

export async function listScenarios(db: Db, actor: Actor, basePolicyId?: string): Promise<SavedScenario[]> {
  return scoped(db, actor, async (tx) => {
    const rows = await tx
      .select()
      .from(whatifScenarios)
      .where(basePolicyId ? eq(whatifScenarios.basePolicyId, basePolicyId) : undefined)
      .orderBy(desc(whatifScenarios.createdAt), desc(whatifScenarios.id))
      .limit(200);
    return rows.map((r) => ({ ...r, body: parseScenario(r.body, `whatif-${r.id}`) }));
  });
}

/** One scenario the actor may see (else NotFoundError: another region's reads as absent). */
export async function getScenario(db: Db, actor: Actor, id: number): Promise<SavedScenario> {
  if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError('方案不存在');
  const rows = await scoped(db, actor, (tx) => tx.select().from(whatifScenarios).where(and(eq(whatifScenarios.id, id))).limit(1));
  const r = rows[0];
  if (!r) throw new NotFoundError('方案不存在');
  return { ...r, body: parseScenario(r.body, `whatif-${r.id}`) };
}
