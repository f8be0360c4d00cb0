/**
 * `dashboard_p95_at_20_ms` for `bench`: 20 inspectors of the busiest region open the overview at once, 10 times each,
 * through the page's own data function (loadOverviewPage: cached per region set and data version) on a pool the size
 * of the app's. The data version is bumped first, as when a batch has just landed: the first wave computes, the rest read.
 */
import { sql } from 'drizzle-orm';
import { createDb, type Db } from '../db/client';
import type { Actor } from '../db/scoped';
import { bumpDataVersion } from './cache';
import { loadOverviewPage } from './overview-page';

export interface ConcurrentTiming {
  users: number;
  requests: number;
  p50_ms: number;
  p95_ms: number;
}

export async function overviewConcurrent(url: string, users = 20, rounds = 10): Promise<ConcurrentTiming> {
  const db: Db = createDb(url);
  try {
    const { rows } = await db.execute<{ region_code: string }>(sql`select region_code from ind_region_month group by 1 order by sum(visits) desc limit 1`);
    const region = rows[0]?.region_code;
    const ms: number[] = [];
    await bumpDataVersion(db);
    await Promise.all(
      Array.from({ length: users }, async (_, u) => {
        const actor: Actor = { userId: null, name: `bench-inspector-${u}`, role: 'inspector', regions: region ? [region] : ['*'] };
        for (let i = 0; i < rounds; i++) {
          const t = performance.now();
          await loadOverviewPage(db, actor, {});
          ms.push(performance.now() - t);
        }
      }),
    );
    ms.sort((a, b) => a - b);
    const q = (p: number) => Math.round((ms[Math.min(ms.length - 1, Math.max(0, Math.ceil(p * ms.length) - 1))] ?? 0) * 10) / 10;
    return { users, requests: ms.length, p50_ms: q(0.5), p95_ms: q(0.95) };
  } finally {
    await db.$client.end();
  }
}
