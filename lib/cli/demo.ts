import { getDb } from '../db/client';
import { InputError } from '../errors';
import { isEmpty, loadDemo } from '../demo';
import { emit, parse, type Io } from './args';

/** `demo [--json]`: the demo data and users into an EMPTY database; prints {users, from, to}. */
export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {});
  const db = await getDb();
  if (!(await isEmpty(db))) throw new InputError('数据库不为空，演示数据只能装入空库 the database is not empty; demo data loads into an empty database only', { field: 'database' });
  const r = await loadDemo(db);
  emit(io, values.json, { users: r.users, from: r.from, to: r.to }, () =>
    [
      `演示数据已加载 demo data loaded: ${r.settlements} 笔结算, ${r.details} 条明细 (${r.from} – ${r.to}) in ${(r.ms / 1000).toFixed(1)} s`,
      ...r.users.map((u) => `  ${u.email}  ${u.password}  ${u.role}  ${u.regions.join(',')}`),
    ].join('\n'),
  );
  return 0;
}
