import { asc, inArray } from 'drizzle-orm';
import { ASSIGNABLE_ROLES, assigneeRefusal } from '../alerts/verdict-reasons';
import type { DbOrTx } from '../db/client';
import { users } from '../db/schema';

export interface Assignee {
  id: number;
  name: string;
  regions: string[];
}

/**
 * Users alerts can be given to: active inspectors, reviewers and admins (the app role may read these columns
 * of users). With regionCodes, only those whose regions include every one of them (lifecycle.ts checks again).
 */
export async function assignableUsers(tx: DbOrTx, regionCodes: string[] = []): Promise<Assignee[]> {
  const rows = await tx
    .select({ id: users.id, name: users.name, role: users.role, regions: users.regions, active: users.active })
    .from(users)
    .where(inArray(users.role, [...ASSIGNABLE_ROLES]))
    .orderBy(asc(users.id));
  return rows
    .filter((u) => u.active && regionCodes.every((r) => assigneeRefusal(u, r) === null))
    .map((u) => ({ id: u.id, name: u.name, regions: u.regions }));
}

/** Names of the users with these ids (also inactive ones: history and assignees stay readable). */
export async function userNames(tx: DbOrTx, ids: Array<number | null>): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((x): x is number => x !== null))];
  if (!wanted.length) return new Map();
  const rows = await tx.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, wanted));
  return new Map(rows.map((r) => [r.id, r.name]));
}

