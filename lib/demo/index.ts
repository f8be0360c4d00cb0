/**
 * The demo data set `npm start` loads into an empty database (and `cli demo`): a generated year (fixed seed)
 * written to DATA_DIR/demo and loaded through the same ingest path as any file, plus the demo users of the
 * accounts issue. OFM_DEMO picks the set: `city` (default, what a new user sees: every region large enough
 * for peer statistics, rankings and every rule) or `small` (300 persons, what the tests and e2e journeys use).
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

export interface DemoSet {
  persons: number;
  months: number;
  seed: number;
  from: string;
  /** the generator's showcase patterns (lib/generate `showcase`) */
  showcase: boolean;
}

export const DEMO_SETS = {
  /** the set the unit tests and e2e journeys were written against (OFM_DEMO=small) */
  small: { persons: 300, months: 12, seed: 20240101, from: '2024-01', showcase: false },
  /**
   * A city-scale year for a new user (default): with the usual shares, 晋城 ~8,000 persons, 二连浩特 ~3,000;
   * every region gets ≥ 5 peers in its larger peer groups with enough monthly visits to rank, and the
   * showcase patterns give every rule an alert.
   */
  city: { persons: 25_000, months: 12, seed: 20240101, from: '2024-01', showcase: true },
} as const satisfies Record<string, DemoSet>;

export type DemoName = keyof typeof DEMO_SETS;

/** The set OFM_DEMO names (default `city`); an unknown name stops with a message naming the variable. */
export function demoSet(name = process.env.OFM_DEMO || 'city'): DemoSet {
  if (!(name in DEMO_SETS))
    throw new Error(`环境变量 OFM_DEMO 无效：应为 ${Object.keys(DEMO_SETS).join(' 或 ')} (invalid OFM_DEMO "${name}": use ${Object.keys(DEMO_SETS).join(' or ')})`);
  return DEMO_SETS[name as DemoName];
}

export async function isEmpty(db: Db): Promise<boolean> {
  const { rows } = await db.execute<{ n: number }>(sql`select (select count(*) from settlements)::int + (select count(*) from users)::int as n`);
  return (rows[0]?.n ?? 0) === 0;
}

export interface DemoResult {
  set: DemoSet;
  users: Array<{ email: string; password: string; role: string; regions: string[] }>;
  from: string;
  to: string;
  settlements: number;
  details: number;
  ms: number;
}

export async function loadDemo(db: Db, opts: { dir?: string; set?: DemoSet } = {}): Promise<DemoResult> {
  const t0 = performance.now();
  const set = opts.set ?? demoSet();
  await db.insert(regions).values(DEMO_REGIONS).onConflictDoNothing();
  const dir = opts.dir ?? path.join(dataDir(), 'demo');
  let engine;
  try {
    engine = await loadEngine();
  } catch (e) {
    // without the adjudication engine the settled amounts cannot be computed: start with users only
    console.warn(`演示结算数据未生成 demo claims skipped: ${(e as Error).message}`);
    return { set, users: await createDemoUsers(db), from: '', to: '', settlements: 0, details: 0, ms: Math.round(performance.now() - t0) };
  }
  const g = await generate({ ...set, out: dir, engine });
  const files = ['institutions.ndjson', 'doctors.ndjson', 'settlements.ndjson', 'details.ndjson'].map((f) => path.join(dir, f));
  const r = await ingestFiles(db, files);
  if (r.rejected) throw new Error(`演示数据有 ${r.rejected} 行被拒绝 demo data had rejected rows: ${JSON.stringify(r.errors.slice(0, 3))}`);
  const users = await createDemoUsers(db);
  return { set, users, from: g.from, to: g.to, settlements: g.settlements, details: g.details, ms: Math.round(performance.now() - t0) };
}
