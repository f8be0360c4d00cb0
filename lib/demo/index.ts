/**
 * The demo data set `npm start` loads into an empty database (and `cli demo`): a small generated set
 * (300 persons × 12 months from 2024-01, fixed seed) written to DATA_DIR/demo and loaded through the
 * same ingest path as any file, plus the demo users of the accounts issue.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createDemoUsers } from '../auth/demo-users';
import type { Db } from '../db/client';
import { regions } from '../db/schema';
import { dataDir } from '../env';
import { generate } from '../generate';
import { loadEngine } from '../generate/engine';
import { ingestFiles } from '../ingest';

export const DEMO_REGIONS = [
  { code: '140500', name: '晋城市', provinceCode: '14' },
  { code: '140800', name: '运城市', provinceCode: '14' },
  { code: '430100', name: '长沙市', provinceCode: '43' },
  { code: '360100', name: '南昌市', provinceCode: '36' },
  { code: '152501', name: '二连浩特市', provinceCode: '15' },
];

export const DEMO_SET = { persons: 300, months: 12, seed: 20240101, from: '2024-01' } as const;

export async function isEmpty(db: Db): Promise<boolean> {
  const { rows } = await db.execute<{ n: number }>(sql`select (select count(*) from settlements)::int + (select count(*) from users)::int as n`);
  return (rows[0]?.n ?? 0) === 0;
}

export interface DemoResult {
  users: Array<{ email: string; password: string; role: string; regions: string[] }>;
  from: string;
  to: string;
  settlements: number;
  details: number;
  ms: number;
}

export async function loadDemo(db: Db, opts: { dir?: string } = {}): Promise<DemoResult> {
  const t0 = performance.now();
  await db.insert(regions).values(DEMO_REGIONS).onConflictDoNothing();
  const dir = opts.dir ?? path.join(dataDir(), 'demo');
  let engine;
  try {
    engine = await loadEngine();
  } catch (e) {
    // without the adjudication engine the settled amounts cannot be computed: start with users only
    console.warn(`演示结算数据未生成 demo claims skipped: ${(e as Error).message}`);
    return { users: await createDemoUsers(db), from: '', to: '', settlements: 0, details: 0, ms: Math.round(performance.now() - t0) };
  }
  const g = await generate({ ...DEMO_SET, out: dir, engine });
  const files = ['institutions.ndjson', 'doctors.ndjson', 'settlements.ndjson', 'details.ndjson'].map((f) => path.join(dir, f));
  const r = await ingestFiles(db, files);
  if (r.rejected) throw new Error(`演示数据有 ${r.rejected} 行被拒绝 demo data had rejected rows: ${JSON.stringify(r.errors.slice(0, 3))}`);
  const users = await createDemoUsers(db);
  return { users, from: g.from, to: g.to, settlements: g.settlements, details: g.details, ms: Math.round(performance.now() - t0) };
}
