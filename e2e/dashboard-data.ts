/** Journeys' data: the e2e database of `npm start`, with generated claims loaded once when it has none. */
import { createDb, type Db } from '../lib/db/client';
import { ensureEmbedded } from '../lib/db/embedded';
import { loadDashboardData } from '../tests/dashboard-fixture';

export async function e2eDb(): Promise<Db> {
  const handle = await ensureEmbedded(process.env.E2E_DATA_DIR ?? '.data-e2e');
  const db = createDb(handle.url, 2);
  const { rows } = await db.$client.query<{ n: number }>(`select count(*)::int as n from settlements where admdvs = '140500'`);
  if (!rows[0]?.n) await loadDashboardData(db, { persons: 150, months: 12 });
  return db;
}
