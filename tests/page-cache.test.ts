/**
 * Issue 20: the overview's data is computed once per region set and data version. Two inspectors of different regions
 * never see each other's figures; a verdict or a recompute shows on the next request.
 */
import { describe, expect, it } from 'vitest';
import { confirmAlerts } from '../lib/alerts/lifecycle';
import { bumpDataVersion, clearPageCache } from '../lib/dashboard/cache';
import { getOverview } from '../lib/dashboard/overview';
import { loadOverviewPage } from '../lib/dashboard/overview-page';
import { resolveScope } from '../lib/dashboard/scope';
import { scoped, type Actor } from '../lib/db/scoped';
import { loadDashboardData } from './dashboard-fixture';
import { testDatabase } from './db';

describe('overview cache', () => {
  it('is kept per region set, shared by concurrent readers, and follows verdicts and batches', async () => {
    const { db } = await testDatabase();
    await loadDashboardData(db, { persons: 120, months: 3 });
    clearPageCache();
    const r = await db.$client.query<{ region_code: string }>('select region_code from ind_region_month group by 1 order by sum(visits) desc limit 2');
    const [r1, r2] = r.rows.map((x) => x.region_code) as [string, string];
    const inspector = (regions: string[], name: string): Actor => ({ userId: null, name, role: 'inspector', regions });
    const a = inspector([r1], 'a');
    const b = inspector([r2], 'b');
    const direct = (who: Actor) => scoped(db, who, async (tx) => getOverview(tx, await resolveScope(tx, {})));

    const [pa, pb] = await Promise.all([loadOverviewPage(db, a, {}), loadOverviewPage(db, b, {})]);
    expect(pa.o.kpis).toEqual((await direct(a)).kpis);
    expect(pb.o.kpis).toEqual((await direct(b)).kpis);
    expect(pa.o.kpis.visits).not.toBe(pb.o.kpis.visits);
    // another inspector of the same region reads the same computation; 20 at once share one
    const same = await Promise.all(Array.from({ length: 20 }, (_, i) => loadOverviewPage(db, inspector([r1], `a${i}`), {})));
    for (const x of same) expect(x).toBe(pa);
    // another region set (both regions) is its own entry
    const both = await loadOverviewPage(db, inspector([r1, r2], 'ab'), {});
    expect(both.o.kpis.visits).toBe(pa.o.kpis.visits + pb.o.kpis.visits);

    // a verdict (an alert event) changes the version: the status counts follow on the next request
    const alert = await db.$client.query<{ id: number }>(`select id from alerts where region_code = $1 and status = 'new' order by id limit 1`, [r1]);
    const id = Number(alert.rows[0]?.id);
    expect(id).toBeGreaterThan(0);
    const before = pa.o.alertsByStatus.confirmed ?? 0;
    await confirmAlerts(db, { userId: null, name: 'reviewer', role: 'admin', regions: ['*'] }, [id], '核实属实');
    const after = await loadOverviewPage(db, a, {});
    expect(after).not.toBe(pa);
    expect(after.o.alertsByStatus.confirmed ?? 0).toBe(before + 1);
    // region b saw no new event of its own, but a bump (a batch landed, a recompute ran) recomputes it too
    await db.$client.query('update ind_region_month set visits = visits + 1000 where region_code = $1', [r2]);
    expect((await loadOverviewPage(db, b, {})).o.kpis.visits).toBe(pb.o.kpis.visits);
    await bumpDataVersion(db);
    expect((await loadOverviewPage(db, b, {})).o.kpis.visits).toBe((await direct(b)).kpis.visits);
  }, 300_000);
});
