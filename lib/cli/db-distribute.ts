import { getDb } from '../db/client';
import { distribute } from '../db/distribute';
import { emit, parse, type Io } from './args';

export async function dbDistribute(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {});
  const db = await getDb();
  const r = await distribute(db);
  emit(io, values.json, r, () =>
    [
      `分布表 distributed (${r.distributed.length}): ${r.distributed.join(', ')}`,
      `参考表 reference (${r.reference.length}): ${r.reference.join(', ')}`,
      `协调节点本地表 local (${r.local.length}): ${r.local.join(', ')}`,
    ].join('\n'),
  );
  return 0;
}
