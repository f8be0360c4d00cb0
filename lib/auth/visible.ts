/**
 * How much the actor can see: row counts of the region tables, queried WITHOUT a region filter inside
 * scoped() — row-level security alone decides. Shown on 账户 (/account) so a user can check their scope.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { scoped, type Actor } from '../db/scoped';

export interface VisibleCounts {
  settlements: number;
  persons: number;
  institutions: number;
  alerts: number;
  cases: number;
}

export async function visibleCounts(db: Db, actor: Actor): Promise<VisibleCounts> {
  return scoped(db, actor, async (tx) => {
    const { rows } = await tx.execute<{ settlements: number; persons: number; institutions: number; alerts: number; cases: number }>(sql`
      select (select count(*) from settlements)::int as settlements,
             (select count(*) from insured_persons)::int as persons,
             (select count(*) from institutions)::int as institutions,
             (select count(*) from alerts)::int as alerts,
             (select count(*) from cases)::int as cases`);
    const r = rows[0];
    return { settlements: r?.settlements ?? 0, persons: r?.persons ?? 0, institutions: r?.institutions ?? 0, alerts: r?.alerts ?? 0, cases: r?.cases ?? 0 };
  });
}
