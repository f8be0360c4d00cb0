import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getAlert, listAlerts } from '../lib/alerts/queries';
import { alertQueryFrom, exportRows } from '../lib/dashboard/alerts';
import { dashboardTimings } from '../lib/dashboard/bench';
import { getOverview, rawKpis } from '../lib/dashboard/overview';
import { parsePeriod, previousPeriod } from '../lib/dashboard/period';
import { getProfile } from '../lib/dashboard/profiles';
import { resolveScope } from '../lib/dashboard/scope';
import { listSubjects, metricDistribution } from '../lib/dashboard/subjects';
import { scoped, type Actor } from '../lib/db/scoped';
import { count, money, pct, wan, yuan } from '../lib/format';
import { testDatabase } from './db';
import { background, insertVisits } from './rules-fixture';
import { refreshIndicators } from '../lib/indicators/refresh';

describe('number formatting (hand-derived)', () => {
  it('formats fen as 元 / 万元 and ratios with one decimal', () => {
    expect(yuan(123456)).toBe('1,234.56 元');
    expect(yuan(-5)).toBe('-0.05 元');
    expect(wan(123456789)).toBe('123.46 万元');
    expect(money(9999999)).toBe('99,999.99 元');
    expect(money(10000000)).toBe('10.00 万元');
    expect(pct(0.12345)).toBe('12.3%');
    expect(count(1234567)).toBe('1,234,567');
    expect(yuan(null)).toBe('—');
  });
});

describe('periods', () => {
  it('parses months, quarters and years and steps back one period', () => {
    expect(parsePeriod('2024-Q1')).toMatchObject({ from: '2024-01-01', to: '2024-03-01', end: '2024-03-31' });
    expect(parsePeriod('2024-02').end).toBe('2024-02-29');
    expect(previousPeriod(parsePeriod('2024-Q1')).key).toBe('2023-Q4');
    expect(previousPeriod(parsePeriod('2024-01')).key).toBe('2023-12');
    expect(() => parsePeriod('2024-13')).toThrow(/期间/);
  });
});

describe('dashboard queries on a real database', () => {
  it('overview from rollups equals the raw aggregation over facts; lists, profiles, alerts and export work under RLS', async () => {
    const { db } = await testDatabase();
    // Feb: 3 institutions × 10 visits; Mar: the same, institution 0 with dearer visits (growth).
    await insertVisits(db, [
      ...background('2024-02', 3, 10),
      ...background('2024-03', 3, 10, { medfee: (i, j) => (i === 0 ? 20000 : 10000) + j * 10 }),
      ...background('2024-03', 2, 4, { prefix: 'X' }).map((v) => ({ ...v, region: '430100' })),
    ]);
    // diagnoses on some March visits of institution 0: J06.9 on the even ones, I10 on three odd ones
    await db.$client.query(`update settlements set dise_codg = case when right(setl_id, 1)::int % 2 = 0 then 'J06.9' else 'I10' end
      where setl_id like 'B2024-03-0-%' and setl_id not in ('B2024-03-0-7', 'B2024-03-0-9')`);
    await refreshIndicators(db, { months: [], regionCodes: [], full: true });
    const inspector: Actor = { userId: null, name: 't', role: 'inspector', regions: ['140500'] };
    await scoped(db, inspector, async (tx) => {
      const scope = await resolveScope(tx, { period: '2024-03' });
      expect(scope.period.key).toBe('2024-03');
      expect(scope.regionOptions.map((r) => r.code)).toEqual([]); // regions table empty here: picker offers none
      const o = await getOverview(tx, scope);
      const raw = await rawKpis(tx, scope.period, null);
      // 30 visits in 140500 only (RLS hides 430100): hand-derived sum of the March medfees
      const expectedTotal = Array.from({ length: 10 }, (_, j) => 20000 + j * 10 + 2 * (10000 + j * 10)).reduce((a, b) => a + b, 0);
      expect(o.kpis.visits).toBe(30);
      expect(o.kpis.total).toBe(expectedTotal);
      expect(raw).toEqual(o.kpis);
      expect(o.prevKpis.visits).toBe(30);

      const inst = await listSubjects(tx, { kind: 'institution', period: scope.period, prev: scope.prev, regions: null, sort: 'perVisitGrowth' });
      expect(inst.total).toBe(3);
      const top = inst.rows[0];
      expect(top?.metrics.perVisit).toBeCloseTo((20000 * 10 + 450) / 10, 6);
      expect(top?.percentile).toBe(1);
      const dist = await metricDistribution(tx, { kind: 'institution', period: scope.period, prev: scope.prev, regions: null, metric: 'visits' });
      expect(dist).toMatchObject({ n: 3, p50: 10, min: 10, max: 10 });

      const p = await getProfile(tx, 'institution', top?.id ?? '', scope);
      expect(p?.structure.cur.visits).toBe(10);
      expect(p?.claims[0]?.medfee).toBe(20090);
      // top items come from the item rollup: the same as grouping the period's fee lines of valid visits directly
      const { rows: direct } = await tx.execute<{ code: string | null; amount: number; lines: number }>(sql`
        select f.hilist_code as code, sum(f.det_item_fee_sumamt)::float8 as amount, count(*)::int as lines
        from fee_details f join settlements s on s.admdvs = f.admdvs and s.setl_id = f.setl_id and s.setl_time = f.setl_time
        where s.fixmedins_code = ${top?.id ?? ''} and not s.reversed and not s.refd_setl_flag
          and date_trunc('month', s.setl_time)::date = any(${sql.param(scope.period.months)}::date[])
        group by 1 order by amount desc, code limit 12`);
      expect(direct.length).toBeGreaterThan(0);
      expect(p?.topItems.filter((i) => i.amount > 0).map((i) => ({ code: i.code, amount: i.amount, lines: i.lines }))).toEqual(direct);
      // diagnoses from ind_visits: as counted on the settlements themselves
      expect(p?.diagnoses.map((d) => `${d.code}:${d.visits}:${d.amount}`)).toEqual(['J06.9:5:100200', 'I10:3:60090', '（未填）:2:40160']);
      // the institution's structure, prescription days and costliest claims come from rollups and an index: the same as its visits
      const months = sql.param(scope.period.months);
      const { rows: v } = await tx.execute<{ visits: number; total: number; fund: number; exam: number; drug: number }>(sql`
        select count(*)::int as visits, sum(medfee)::float8 as total, sum(fund)::float8 as fund, sum(exam_amt)::float8 as exam, sum(drug_amt)::float8 as drug
        from ind_visits where fixmedins_code = ${top?.id ?? ''} and month = any(${months}::date[])`);
      expect(p?.structure.cur).toMatchObject(v[0] ?? {});
      const { rows: rx } = await tx.execute<{ bucket: number; visits: number }>(sql`
        select width_bucket(max_days, array[8, 15, 31, 61, 91]) as bucket, count(*)::int as visits
        from ind_visits where fixmedins_code = ${top?.id ?? ''} and month = any(${months}::date[]) and n_drug_lines > 0 and max_days is not null group by 1`);
      expect(rx.length).toBeGreaterThan(0);
      expect(p?.rxDays.map((b) => b.visits)).toEqual([0, 1, 2, 3, 4, 5].map((k) => rx.find((r) => r.bucket === k)?.visits ?? 0));
      const { rows: costliest } = await tx.execute<{ setl_id: string }>(sql`
        select setl_id from ind_visits where fixmedins_code = ${top?.id ?? ''} and month = any(${months}::date[]) order by medfee desc, setl_id limit 15`);
      expect(p?.claims.map((c) => c.setlId)).toEqual(costliest.map((c) => c.setl_id));
      expect(await getProfile(tx, 'institution', 'X0', scope)).toBeNull(); // other region: not visible
    });

    // alerts: one in each region; the inspector sees and exports only 140500, insured ids masked
    await db.$client.query(`insert into alerts (region_code, rule_id, subject_type, subject_id, period_key, period_start, period_end, result_type, severity, explanation, clause, evidence, amount)
      values ('140500', 'TOP-FUND', 'insured', 'P0000000001234', '2024-03', '2024-03-01', '2024-03-31', 'suspicious', 'medium', '参保人 P00*********34 …', 'c', '{}', 12345),
             ('430100', 'TOP-FUND', 'insured', 'P9', '2024-03', '2024-03-01', '2024-03-31', 'suspicious', 'medium', 'x', 'c', '{}', 1)`);
    await scoped(db, inspector, async (tx) => {
      const q = alertQueryFrom({ period: '2024-03', sort: 'amount.asc' });
      const list = await listAlerts(tx, q.params);
      expect(list.total).toBe(1);
      const rows = await exportRows(tx, q);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.[8]).toBe('P00*********34');
      expect(rows[0]?.[14]).toBe('123.45');
      expect(await getAlert(tx, (list.rows[0]?.id ?? 0) + 1)).toBeNull();
    });

    const t = await dashboardTimings(db, inspector, { runs: 3 });
    expect(t.p95_ms).toBeGreaterThan(0);
    expect(Object.keys(t.pages)).toEqual(expect.arrayContaining(['overview', 'alert_list', 'alert_detail', 'institution_profile']));
  });
});
