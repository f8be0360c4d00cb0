/**
 * The schema on a real Citus cluster (issue 19): one generated data set loaded into one Postgres (the test server)
 * and into a coordinator + 2 workers gives the same adjudications, indicator rollups and alerts; reversals and
 * reloads behave the same; region RLS holds on the workers; a region's dashboard and alert-list queries are
 * single-shard (router) plans. Needs the citus extension in Debian's Postgres 15 (../shared/citus/build.sh, which
 * .ci/run runs); the cluster is started with ../shared/citus/cluster.sh in a directory of this run and stopped after.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOverview } from '../lib/dashboard/overview';
import { getProfile } from '../lib/dashboard/profiles';
import { parsePeriod } from '../lib/dashboard/period';
import { listAlerts } from '../lib/alerts/queries';
import type { Db } from '../lib/db/client';
import * as schema from '../lib/db/schema';
import { scoped, type Actor } from '../lib/db/scoped';
import { runCli, testDatabase } from './db';

const CLUSTER_SH = path.resolve('..', 'shared', 'citus', 'cluster.sh');
const CITUS_SO = '/usr/lib/postgresql/15/lib/citus.so';
const missing = !fs.existsSync(CITUS_SO)
  ? `citus extension not installed (${CITUS_SO}; run ../shared/citus/build.sh)`
  : !fs.existsSync(CLUSTER_SH)
    ? `cluster script not found (${CLUSTER_SH})`
    : null;
if (missing) console.warn(`[citus.test] SKIPPED: ${missing}`);

describe('db distribute on plain Postgres', () => {
  it('exits 1 saying Citus is absent, and changes nothing', async () => {
    const { url, db } = await testDatabase();
    const r = await runCli(['db', 'distribute', '--json'], { url });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/citus/i);
    const n = await db.execute<{ n: number }>(sql`select count(*)::int as n from pg_extension where extname = 'citus'`);
    expect(n.rows[0]?.n).toBe(0);
  });
});

/** Rows of a table, as sorted JSON lines; floats to 10 significant digits (sums may add up in another order). */
async function rowsOf(client: pg.Pool, query: string): Promise<string[]> {
  const r = await client.query(query);
  const norm = (v: unknown): unknown =>
    typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v instanceof Date ? v.toISOString() : v;
  return r.rows.map((row: Record<string, unknown>) => JSON.stringify(Object.entries(row).map(([k, v]) => [k, norm(v)]))).sort();
}

const VOLATILE = new Set(['id', 'computed_at', 'updated_at', 'created_at', 'first_seen_at', 'loaded_at', 'alert_id', 'case_id', 'assigned_to']);

/** What must be equal on both servers: adjudications, every rollup table (ind_*), alerts (rule, subject, period, value, amount). */
async function snapshot(client: pg.Pool): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  out.adjudications = await rowsOf(
    client,
    `select admdvs, setl_id, setl_time, policy_id, deductible, eligible, rate_bp, fund_pay, self_pay, year_fund_paid, year_deductible_paid,
            capped, excluded, clause, error, settled_fund_pay from adjudications`,
  );
  out.settlements = await rowsOf(client, `select admdvs, setl_id, setl_time, reversed, refd_setl_flag, medfee_sumamt, row_hash from settlements`);
  const t = await client.query<{ tbl: string; cols: string[] }>(
    `select c.table_name as tbl, array_agg(c.column_name::text order by c.ordinal_position) as cols from information_schema.columns c
      where c.table_schema = 'public' and c.table_name like 'ind\\_%' group by c.table_name order by 1`,
  );
  for (const { tbl, cols } of t.rows) {
    out[tbl] = await rowsOf(client, `select ${cols.filter((x) => !VOLATILE.has(x)).map((x) => `"${x}"`).join(', ')} from "${tbl}"`);
  }
  out.alerts = await rowsOf(
    client,
    `select region_code, rule_id, subject_type, subject_id, period_key, period_start, period_end, result_type, severity, status,
            value, threshold, amount, policy_id, clause from alerts`,
  );
  return out;
}

describe.skipIf(missing !== null)('on a Citus cluster (coordinator + 2 workers)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-citus-'));
  const data = path.join(dir, 'data');
  let clusterUrl = '';
  let plainUrl = '';
  let cluster: pg.Pool;
  let plain: pg.Pool;
  let plainDb: Db;
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    fs.chmodSync(dir, 0o755);
    clusterUrl = execFileSync('bash', [CLUSTER_SH, 'start', path.join(dir, 'cluster')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    cluster = new pg.Pool({ connectionString: clusterUrl, max: 4, options: '-c timezone=Asia/Shanghai' });
    // few shards keep the test quick; still several per worker
    await cluster.query(`alter database ofm set citus.shard_count = 4`);
    const t = await testDatabase();
    plainUrl = t.url;
    plainDb = t.db;
    plain = t.db.$client;
  }, 180_000);

  afterAll(async () => {
    await cluster?.end().catch(() => undefined);
    try {
      execFileSync('bash', [CLUSTER_SH, 'stop', path.join(dir, 'cluster')], { stdio: 'inherit' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  const cli = async (args: string[], url: string) => {
    const r = await runCli([...args, '--json'], { url });
    expect(r.code, `${args.join(' ')}: ${r.stderr.slice(-2000)}`).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it('distributes every region table co-located with settlements, idempotently, and migrations still apply', { timeout: 600_000 }, async () => {
    await cli(['db', 'migrate'], clusterUrl);
    const first = (await cli(['db', 'distribute'], clusterUrl)) as { distributed: string[]; reference: string[]; local: string[] };
    expect(first.distributed).toEqual(expect.arrayContaining(['settlements', 'fee_details', 'adjudications', 'alerts', 'cases', 'ind_visits', 'insured_persons']));
    expect(first.reference).toEqual(expect.arrayContaining(['regions', 'policy_versions', 'users', 'institutions']));
    expect(first.local).toEqual(expect.arrayContaining(['audit_log', 'sessions', 'ingest_batches']));
    // every region table is in the same co-location group as settlements
    const groups = await cluster.query<{ tbl: string; same: boolean }>(
      `select logicalrelid::text as tbl, colocationid = (select colocationid from pg_dist_partition where logicalrelid = 'settlements'::regclass) as same
         from pg_dist_partition where partmethod = 'h'`,
    );
    expect(groups.rows.filter((r) => !r.same)).toEqual([]);
    expect(groups.rows.map((r) => r.tbl).sort()).toEqual([...first.distributed].sort());
    const again = await cli(['db', 'distribute'], clusterUrl);
    expect(again).toEqual(first);
    // a migration run after distribution: nothing to apply, and the layout stays
    const m = (await cli(['db', 'migrate'], clusterUrl)) as { applied: number };
    expect(m.applied).toBe(0);
    // a table added later (as a later migration would) is distributed by the next migration run; its id key gains the region
    await cluster.query(`create table later_notes (id bigserial primary key, region_code char(6) not null, note text)`);
    await cli(['db', 'migrate'], clusterUrl);
    const later = await cluster.query<{ key: string }>(
      `select column_to_column_name(logicalrelid, partkey) as key from pg_dist_partition where logicalrelid = 'later_notes'::regclass
         and colocationid = (select colocationid from pg_dist_partition where logicalrelid = 'settlements'::regclass)`,
    );
    expect(later.rows).toEqual([{ key: 'region_code' }]);
    const third = (await cli(['db', 'distribute'], clusterUrl)) as { distributed: string[] };
    expect(third.distributed).toContain('later_notes');
    await cluster.query(`insert into later_notes (region_code, note) values ('140500', 'x')`);
    await cluster.query(`drop table later_notes`);
  });

  it('loads the same data set into one Postgres and into the cluster with identical adjudications, rollups and alerts', { timeout: 900_000 }, async () => {
    await cli(['generate', '--persons', '300', '--months', '3', '--seed', '19', '--out', data], plainUrl);
    const files = ['institutions.ndjson', 'doctors.ndjson', 'settlements.ndjson', 'details.ndjson'].map((f) => path.join(data, f));
    for (const url of [plainUrl, clusterUrl]) {
      const r = (await cli(['ingest', ...files], url)) as { inserted: number; rejected: number };
      expect(r.rejected).toBe(0);
      counts.inserted = r.inserted;
    }
    // a reload changes nothing
    for (const url of [plainUrl, clusterUrl]) {
      const r = (await cli(['ingest', path.join(data, 'settlements.ndjson')], url)) as { inserted: number; updated: number };
      expect([r.inserted, r.updated]).toEqual([0, 0]);
    }
    // reversals of a settlement in each region (refd_setl_flag 1 with the original's id), then re-adjudication and recompute
    const lines = fs.readFileSync(path.join(data, 'settlements.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const seen = new Set<string>();
    const rev: string[] = [];
    for (const s of lines) {
      const region = String(s.admdvs);
      if (seen.has(region)) continue;
      seen.add(region);
      const r: Record<string, unknown> = { ...s, setl_id: `${String(s.setl_id)}R`, init_setl_id: s.setl_id, refd_setl_flag: '1' };
      for (const f of ['medfee_sumamt', 'inscp_scp_amt', 'fulamt_ownpay_amt', 'preselfpay_amt', 'act_pay_dedc', 'hifp_pay', 'acct_pay', 'psn_cash_pay']) {
        if (r[f] !== undefined && r[f] !== null) r[f] = -Number(r[f]);
      }
      rev.push(JSON.stringify(r));
    }
    const revFile = path.join(dir, 'reversals.ndjson');
    fs.writeFileSync(revFile, `${rev.join('\n')}\n`);
    for (const url of [plainUrl, clusterUrl]) {
      const r = (await cli(['ingest', revFile], url)) as { reversed: number; rejected: number };
      expect(r.rejected).toBe(0);
      expect(r.reversed).toBe(rev.length);
      await cli(['recompute', '--full'], url);
    }
    const a = await snapshot(plain);
    const b = await snapshot(cluster);
    for (const k of Object.keys(a)) counts[k] = a[k]?.length ?? 0;
    console.log(`[citus.test] equivalence: ${JSON.stringify(counts)}`);
    expect(counts.adjudications).toBeGreaterThan(500);
    expect(counts.alerts).toBeGreaterThan(10);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const k of Object.keys(a)) expect(b[k], k).toEqual(a[k]);
    // the cross-region rule (TWO-PLACES joins a person's visits across pooling areas) found the same on both
    const rules = await cluster.query<{ rule_id: string }>(`select distinct rule_id from alerts order by 1`);
    console.log(`[citus.test] rules with alerts: ${rules.rows.map((r) => r.rule_id).join(' ')}`);
    // the facts really are on the workers
    const perNode = await cluster.query<{ nodeport: number; n: number }>(
      `select nodeport, count(*)::int as n from citus_shards where table_name = 'settlements'::regclass group by 1 order by 1`,
    );
    expect(perNode.rows.map((r) => r.nodeport)).toEqual([9701, 9702]);
  });

  it('region RLS holds on the workers: an inspector of one region sees only it', async () => {
    const db = drizzle(cluster, { schema }) as unknown as Db;
    const jc: Actor = { userId: 1, name: "晋城稽核员 O'Neil", role: 'inspector', regions: ['140500'] };
    const seen = await scoped(db, jc, async (tx) => (await tx.execute<{ r: string; n: number }>(sql`select admdvs::text as r, count(*)::int as n from settlements group by 1`)).rows);
    expect(seen.map((r) => r.r)).toEqual(['140500']);
    const all = await cluster.query<{ n: number }>(`select count(*)::int as n from settlements where admdvs = '140500'`);
    expect(seen[0]?.n).toBe(all.rows[0]?.n);
    const alerts = await scoped(db, jc, async (tx) => (await tx.execute<{ r: string }>(sql`select distinct region_code::text as r from alerts`)).rows);
    expect(alerts.map((r) => r.r)).toEqual(['140500']);
    void plainDb;
  });

  it("an institution's and a person's profile load on the cluster as the inspector opens them (no region in the link)", async () => {
    const db = drizzle(cluster, { schema }) as unknown as Db;
    const jc: Actor = { userId: 1, name: 'jc', role: 'inspector', regions: ['140500'] };
    const period = parsePeriod('2024-03');
    const prev = parsePeriod('2024-02');
    if (!period || !prev) throw new Error('period');
    const inst = await cluster.query<{ id: string }>(`select fixmedins_code as id from ind_institution_month where region_code = '140500' order by visits desc, 1 limit 1`);
    const psn = await cluster.query<{ id: string }>(`select psn_no as id from ind_person_month where region_code = '140500' order by visits desc, 1 limit 1`);
    const i = await scoped(db, jc, (tx) => getProfile(tx, 'institution', inst.rows[0]?.id ?? '', { period, prev }));
    const p = await scoped(db, jc, (tx) => getProfile(tx, 'insured', psn.rows[0]?.id ?? '', { period, prev }));
    expect(i?.regionCode).toBe('140500');
    expect(p?.regionCode).toBe('140500');
  });

  it("the write-region triggers of the facts (drizzle/0014) run on the shards with the transaction's app.write_regions", async () => {
    const c = await cluster.connect();
    const attempt = async (region: string) => {
      await c.query('begin');
      try {
        await c.query(`set local app.write_regions = '140500'`);
        const r = await c.query(`update settlements set medfee_sumamt = medfee_sumamt where admdvs = $1`, [region]);
        return `updated ${r.rowCount ?? 0}`;
      } catch (e) {
        return (e as Error).message;
      } finally {
        await c.query('rollback');
      }
    };
    try {
      expect(await attempt('140500')).toMatch(/^updated [1-9]/);
      expect(await attempt('360100')).toMatch(/权限范围以外/);
    } finally {
      c.release();
    }
  });

  it("routes one region's dashboard and alert-list queries to one shard (EXPLAIN: Task Count 1)", async () => {
    const logged: Array<{ query: string; params: unknown[] }> = [];
    const db = drizzle(cluster, { schema, logger: { logQuery: (query, params) => logged.push({ query, params }) } }) as unknown as Db;
    const jc: Actor = { userId: 1, name: 'jc', role: 'inspector', regions: ['140500'] };
    const period = parsePeriod('2024-03');
    const prev = parsePeriod('2024-02');
    if (!period || !prev) throw new Error('period');
    await scoped(db, jc, (tx) => getOverview(tx, { period, prev, regions: ['140500'] }));
    const dashboard = logged.splice(0).filter((l) => /^\s*(select|with)/i.test(l.query));
    await scoped(db, jc, (tx) => listAlerts(tx, { filters: { regionCode: '140500' }, pageSize: 50 }));
    const list = logged.splice(0).filter((l) => /^\s*(select|with)/i.test(l.query));
    expect(dashboard.length).toBeGreaterThan(3);
    expect(list.length).toBeGreaterThan(0);
    const plans: string[] = [];
    for (const q of [...dashboard, ...list]) {
      // as the inspector runs it: the same settings and role, the same parameters
      const c = await cluster.connect();
      let text = '';
      try {
        await c.query(`begin; set local app.regions = '140500'; set local role ofm_app`);
        const r = await c.query<{ 'QUERY PLAN': string }>(`explain ${q.query}`, q.params);
        text = r.rows.map((x) => x['QUERY PLAN']).join('\n');
      } finally {
        await c.query('rollback');
        c.release();
      }
      const tasks = [...text.matchAll(/Task Count: (\d+)/g)].map((m) => Number(m[1]));
      plans.push(`${q.query.replace(/\s+/g, ' ').slice(0, 80)} → tasks ${tasks.join(',')}`);
      expect(tasks.length, `${q.query}\n${text}`).toBeGreaterThan(0);
      expect(tasks.every((n) => n === 1), `${q.query}\n${text}`).toBe(true);
    }
    console.log(`[citus.test] router plans:\n${plans.join('\n')}`);
  });
});
