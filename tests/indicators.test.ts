import { describe, expect, it } from 'vitest';
import { refreshIndicators, ROLLUP_TABLES } from '../lib/indicators/refresh';
import { testDatabase } from './db';
import { background, insertVisits } from './rules-fixture';

describe('indicator rollups', () => {
  it('hand-checked numbers, and an incremental refresh equals a full rebuild', async () => {
    const { db } = await testDatabase();
    const c = db.$client;
    await insertVisits(db, [...background('2024-02', 3, 12), ...background('2024-03', 3, 12)]);
    await c.query(`insert into institutions (region_code, fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, annual_budget) values ('140500', 'H0', '甲医院', 'hospital', 2, 10000)`);
    await refreshIndicators(db, { months: [], regionCodes: [], full: true });
    // H0 in Feb: 12 visits, medfee 10000 + ((j*13) % 11)*100; exam 10 %, drug 70 %, fund = medfee/2.
    const feb = Array.from({ length: 12 }, (_, j) => 10000 + ((j * 13) % 11) * 100);
    const total = feb.reduce((a, b) => a + b, 0);
    const { rows } = await c.query(`select * from ind_institution_month where fixmedins_code = 'H0' order by month`);
    expect(rows[0]).toMatchObject({ visits: 12, persons: 12, total_amt: total, peer_key: 'hospital:lv2', annual_budget: 10000 });
    expect(rows[0].per_visit).toBeCloseTo(total / 12, 6);
    expect(rows[0].exam_share).toBeCloseTo(feb.reduce((a, m) => a + Math.round(m * 0.1), 0) / total, 6);
    expect(rows[1].fund_ytd).toBe(rows[0].fund_amt + rows[1].fund_amt);
    expect(rows[1].per_visit_mom).toBeCloseTo(rows[1].per_visit / rows[0].per_visit - 1, 9);

    // A second batch: more March visits in 140500 and a new region in April.
    await insertVisits(db, [...background('2024-03', 4, 5, { prefix: 'N', medfee: () => 30000 }), ...background('2024-04', 2, 5, { prefix: 'M' }).map((v) => ({ ...v, region: '430100' }))]);
    await refreshIndicators(db, { months: ['2024-03'], regionCodes: ['140500'] });
    await refreshIndicators(db, { months: ['2024-04'], regionCodes: ['430100'] });
    const snap = async () => {
      const out: Record<string, unknown[]> = {};
      for (const t of ROLLUP_TABLES) out[t] = (await c.query(`select * from ${t} x order by x`)).rows; // whole rows: a table may have several rows per (region, month, subject)
      return out;
    };
    const incremental = await snap();
    expect(incremental.ind_region_month?.length).toBe(3);
    // the region rollup (built from the institution and person rollups) against the visits themselves
    const region = await c.query<{ ok: boolean }>(`
      select r.visits = v.visits and r.persons = v.persons and r.total_amt = v.total and r.fund_amt = v.fund and r.institutions = v.inst
        and r.per_capita = v.total::float8 / v.persons and r.per_visit = v.total::float8 / v.visits as ok
      from ind_region_month r join (select region_code, month, count(*)::int as visits, count(distinct psn_no)::int as persons, sum(medfee) as total,
        sum(fund) as fund, count(distinct fixmedins_code)::int as inst from ind_visits group by 1, 2) v using (region_code, month)`);
    expect(region.rows.map((r) => r.ok)).toEqual([true, true, true]);
    // distinct persons of every month, quarter and year against the visits themselves
    const periods = `select region_code, period_key, persons from ind_region_period order by 1, 2`;
    const direct = `select region_code, k as period_key, count(distinct psn_no)::int as persons from (select region_code, psn_no,
      unnest(array[to_char(month, 'YYYY-MM'), to_char(month, 'YYYY-"Q"Q'), to_char(month, 'YYYY')]) as k from ind_visits) x group by 1, 2 order by 1, 2`;
    expect((await c.query(periods)).rows).toEqual((await c.query(direct)).rows);
    expect((await c.query(periods)).rows.length).toBe(4 + 3); // 140500: Feb, Mar, Q1, 2024; 430100: Apr, Q2, 2024
    const indexes = async () => (await c.query(`select indexdef from pg_indexes where schemaname = current_schema() and tablename = any($1) order by 1`, [ROLLUP_TABLES])).rows;
    const before = await indexes();
    await refreshIndicators(db, { months: [], regionCodes: [], full: true });
    expect(await snap()).toEqual(incremental);
    // the full rebuild drops the large tables' indexes while it writes them, and builds them again
    expect(before.length).toBeGreaterThanOrEqual(ROLLUP_TABLES.length);
    expect(await indexes()).toEqual(before);

    // a reversed settlement leaves the item rollup with its visit: B2024-02-0-0 cost 10000 fen over three lines
    const items = async () => (await c.query<{ a: string; n: number }>(`select sum(amount) as a, sum(lines)::int as n from ind_item_month where fixmedins_code = 'H0' and month = '2024-02-01' and region_code = '140500'`)).rows[0];
    const was = await items();
    await c.query(`update settlements set reversed = true where setl_id = 'B2024-02-0-0'`);
    await refreshIndicators(db, { months: ['2024-02'], regionCodes: ['140500'] });
    expect(Number(was?.a) - Number((await items())?.a)).toBe(10000);
    expect((was?.n ?? 0) - ((await items())?.n ?? 0)).toBe(3);
  });
});
