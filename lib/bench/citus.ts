/**
 * The bench on a Citus coordinator (DATABASE_URL of the coordinator): the bench database is made on every node and
 * distributed as `db distribute` does (lib/db/distribute.ts), so the same ratios are measured on the cluster; after
 * the ingest it reports the work each worker holds (shards, rows, bytes of the facts).
 */
import pg from 'pg';
import type { Db } from '../db/client';
import { distribute, hasCitus } from '../db/distribute';

export interface WorkerShare {
  node: string;
  shards: number;
  settlements: number;
  bytes: number;
}

/** Whether the server at adminUrl is a Citus coordinator; when so, makes `db` (already created there) a cluster database too. */
export async function citusBenchDatabase(adminUrl: string, dbName: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    if (!(await hasCitus(admin))) return false;
    const nodes = await admin.query<{ nodename: string; nodeport: number }>(`select nodename, nodeport from pg_dist_node where noderole = 'primary' and groupid <> 0`);
    const coord = await admin.query<{ nodename: string; nodeport: number }>(`select nodename, nodeport from pg_dist_node where groupid = 0`);
    for (const n of nodes.rows) {
      const u = new URL(adminUrl);
      u.hostname = n.nodename;
      u.port = String(n.nodeport);
      const w = new pg.Client({ connectionString: u.toString() });
      await w.connect();
      await w.query(`drop database if exists ${dbName} with (force)`);
      await w.query(`create database ${dbName}`);
      await w.end();
      u.pathname = `/${dbName}`;
      const wd = new pg.Client({ connectionString: u.toString() });
      await wd.connect();
      await wd.query('create extension if not exists citus');
      await wd.end();
    }
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    await c.query('create extension if not exists citus');
    const co = coord.rows[0];
    if (co) await c.query('select citus_set_coordinator_host($1, $2)', [co.nodename, co.nodeport]);
    for (const n of nodes.rows) await c.query('select citus_add_node($1, $2)', [n.nodename, n.nodeport]);
    await c.end();
    return true;
  } finally {
    await admin.end();
  }
}

/** Distributes the migrated bench database (as `db distribute`). */
export async function distributeBench(db: Db): Promise<void> {
  await distribute(db);
}

/** The facts each worker holds: shards, settlement rows and bytes of every distributed table. */
export async function workerShares(db: Db): Promise<WorkerShare[]> {
  const r = await db.$client.query<WorkerShare>(`
    with rows as (
      select shardid, result::bigint as n from run_command_on_shards('settlements', 'select count(*) from %s')
    )
    select s.nodename || ':' || s.nodeport as node, count(distinct s.shardid)::int as shards,
           coalesce(sum(r.n), 0)::bigint as settlements, sum(s.shard_size)::bigint as bytes
      from citus_shards s left join rows r on r.shardid = s.shardid
     group by 1 order by 1`);
  return r.rows.map((x) => ({ ...x, settlements: Number(x.settlements), bytes: Number(x.bytes) }));
}
