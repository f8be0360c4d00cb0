import { getDb } from '../db/client';
import { runMigrations } from '../db/migrate';
import { emit, parse, type Io } from './args';

export async function dbMigrate(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {});
  const db = await getDb();
  const r = await runMigrations(db);
  emit(io, values.json, r, () => `数据库迁移完成 migrations applied: ${r.applied} (total ${r.total})`);
  return 0;
}
