import { asc, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { users } from '../db/schema';

/** Active users alerts can be assigned to (the app role may read these columns of users). */
export async function assignableUsers(tx: DbOrTx): Promise<Array<{ id: number; name: string }>> {
  return tx.select({ id: users.id, name: users.name }).from(users).where(eq(users.active, true)).orderBy(asc(users.id));
}
