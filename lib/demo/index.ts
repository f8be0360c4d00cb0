/**
 * The demo data set `npm start` loads into an empty database (and `cli demo`).
 * Filled in by the ingest/generate and accounts issues; regions are reference data.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { regions } from '../db/schema';

export const DEMO_REGIONS = [
  { code: '140500', name: '晋城市', provinceCode: '14' },
  { code: '140800', name: '运城市', provinceCode: '14' },
  { code: '430100', name: '长沙市', provinceCode: '43' },
  { code: '360100', name: '南昌市', provinceCode: '36' },
  { code: '152501', name: '二连浩特市', provinceCode: '15' },
];

export async function isEmpty(db: Db): Promise<boolean> {
  const { rows } = await db.execute<{ n: number }>(sql`select (select count(*) from settlements)::int + (select count(*) from users)::int as n`);
  return (rows[0]?.n ?? 0) === 0;
}

export async function loadDemo(db: Db): Promise<{ regions: number }> {
  await db.insert(regions).values(DEMO_REGIONS).onConflictDoNothing();
  return { regions: DEMO_REGIONS.length };
}
