/**
 * `db distribute`: turns a migrated database on a Citus coordinator into the distributed layout (docs/scale-out.md).
 * - every table of schema public with a NOT NULL region column (`region_code`, or `admdvs` on the facts) is
 *   distributed by it, all co-located with `settlements` (one shard group holds a region's facts, rollups, alerts
 *   and cases, so a region's queries and the recompute's joins run on one node);
 * - REFERENCE tables are copied to every node (small, joined with the facts);
 * - every other table stays local to the coordinator (sessions, audit log, ingest bookkeeping, mail): written by one
 *   process, never joined with facts on a worker, and the audit log keeps its append-only triggers as they are.
 * Primary keys of the form (id) on a region table become (region, id): Citus needs the distribution column in every
 * unique constraint; ids still come from one sequence on the coordinator, so they stay unique.
 * Idempotent: a table distributed already is left as it is; run again after migrations that add tables (runMigrations
 * does that by itself once `settlements` is distributed).
 */
import type pg from 'pg';
import { env } from '../env';
import { InputError } from '../errors';
import type { Db } from './client';

/**
 * Shared tables replicated to every node, joined with region data on any shard: names of regions, the policies in
 * force, user names; and the master data of institutions, doctors and departments, which carry a region column but
 * are looked up by their code from the facts of every region (an insured of one pooling area visits institutions of
 * another: the facts live with the insured's region, the institution with its own).
 */
export const REFERENCE_TABLES = ['regions', 'policy_versions', 'users', 'institutions', 'doctors', 'departments'];
/** The table every distributed table is co-located with. */
const ANCHOR = 'settlements';

export interface DistributeReport {
  distributed: string[];
  reference: string[];
  local: string[];
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Whether the connected database has the citus extension (any node: coordinator or worker). */
export async function hasCitus(client: pg.Pool | pg.ClientBase): Promise<boolean> {
  const r = await client.query<{ n: number }>(`select count(*)::int as n from pg_extension where extname = 'citus'`);
  return (r.rows[0]?.n ?? 0) > 0;
}

/** Whether `settlements` is a distributed table already (the database went through `db distribute`). */
export async function isDistributed(client: pg.Pool | pg.ClientBase): Promise<boolean> {
  if (!(await hasCitus(client))) return false;
  const r = await client.query<{ n: number }>(`select count(*)::int as n from pg_dist_partition where logicalrelid = to_regclass('public.settlements')`);
  return (r.rows[0]?.n ?? 0) > 0;
}

interface TableInfo {
  tbl: string;
  col: string | null;
  notNull: boolean;
  kind: 'd' | 'r' | 'c' | null;
}

async function tables(c: pg.PoolClient): Promise<TableInfo[]> {
  const r = await c.query<TableInfo>(`
    select c.relname as tbl,
           (array_agg(a.attname::text order by case a.attname when 'admdvs' then 0 else 1 end) filter (where a.attname is not null))[1] as col,
           coalesce(bool_and(a.attnotnull) filter (where a.attname is not null), false) as "notNull",
           (select case when p.partmethod = 'n' and p.repmodel = 't' then 'r' when p.partmethod = 'n' then 'c' else 'd' end
              from pg_dist_partition p where p.logicalrelid = c.oid) as kind
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      left join pg_attribute a on a.attrelid = c.oid and a.attname in ('region_code', 'admdvs') and not a.attisdropped
     where c.relkind in ('r', 'p') and not c.relispartition
     group by c.oid, c.relname
     order by c.relname`);
  return r.rows;
}

/**
 * Makes every unique constraint of `tbl` include the distribution column: a primary key without it becomes
 * (col, …key). Any other unique constraint or index without it cannot be kept on shards: false, and the table stays
 * local to the coordinator (a warning names the index).
 */
async function keysWithRegion(c: pg.PoolClient, tbl: string, col: string): Promise<boolean> {
  const r = await c.query<{ name: string; constraint: string | null; primary: boolean; cols: string[] }>(
    `select i.indexrelid::regclass::text as name, con.conname as constraint, i.indisprimary as primary,
            array(select a.attname::text from unnest(i.indkey) k join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k) as cols
       from pg_index i left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid
      where i.indrelid = $1::regclass and i.indisunique`,
    [`public.${ident(tbl)}`],
  );
  const blocking = r.rows.filter((k) => !k.cols.includes(col) && !(k.primary && k.constraint));
  if (blocking.length) {
    console.warn(`表 ${tbl} 留在协调节点: 唯一索引 ${blocking.map((k) => k.name).join(', ')} 不含分布列 ${col} (${tbl} stays local: add ${col} to its unique keys to distribute it)`);
    return false;
  }
  for (const k of r.rows) {
    if (k.cols.includes(col) || !k.constraint) continue;
    await c.query(`alter table ${ident(tbl)} drop constraint ${ident(k.constraint)}, add primary key (${[col, ...k.cols].map(ident).join(', ')})`);
  }
  return true;
}

/** Database settings the application relies on when the tables are distributed (see docs/scale-out.md). */
async function clusterSettings(c: pg.PoolClient): Promise<void> {
  const db = (await c.query<{ d: string }>('select current_database() as d')).rows[0]?.d ?? '';
  // SET LOCAL app.regions / app.write_regions / role (lib/db/scoped.ts, the ingest) reach the workers' part of the
  // transaction, where the RLS policies and the write-region triggers of the shards read them.
  await c.query(`alter database ${ident(db)} set citus.propagate_set_commands = 'local'`);
  // the statement-level write-region triggers (drizzle/0014_ingest_isolation.sql) run on the shards; Citus wants them
  // acknowledged: they read only their own transition tables and a transaction-local setting.
  await c.query(`alter database ${ident(db)} set citus.enable_unsafe_triggers = on`);
  await c.query(`set citus.enable_unsafe_triggers = on`);
  // a scoped transaction switches to the app role; Citus then opens its connections to the workers as that role
  const role = env().APP_DB_ROLE;
  await c.query(`alter role ${ident(role)} login`);
}

export async function distribute(db: Db): Promise<DistributeReport> {
  const c = await db.$client.connect();
  try {
    if (!(await hasCitus(c))) {
      throw new InputError('此数据库没有 Citus 扩展,不能分布 (the citus extension is absent: db distribute needs a Citus coordinator; plain Postgres keeps every table local)', {
        field: 'DATABASE_URL',
      });
    }
    const coord = await c.query<{ ok: boolean }>('select citus_is_coordinator() as ok');
    if (!coord.rows[0]?.ok) throw new InputError('这是 Citus 工作节点,请连接协调节点 (this is a Citus worker: point DATABASE_URL at the coordinator)', { field: 'DATABASE_URL' });
    await c.query('select pg_advisory_lock(724001)');
    try {
      await clusterSettings(c);
      // the region policies in the form Citus accepts (no subqueries: drizzle/0022_rls_initplan.sql)
      await c.query('select reapply_region_rls()');
      const all = await tables(c);
      const byName = new Map(all.map((t) => [t.tbl, t]));
      const anchor = byName.get(ANCHOR);
      if (!anchor) throw new InputError('数据库尚未迁移 (no settlements table: run db migrate first)', { field: 'DATABASE_URL' });
      const regional = all.filter((t) => t.col && t.notNull && !REFERENCE_TABLES.includes(t.tbl));
      // the anchor first: the others are co-located with it
      regional.sort((a, b) => Number(b.tbl === ANCHOR) - Number(a.tbl === ANCHOR));
      for (const t of regional) {
        if (t.kind === 'd') continue;
        if (t.kind) throw new InputError(`表 ${t.tbl} 已是另一种 Citus 表 (${t.tbl} is a Citus table of another kind already)`, { field: t.tbl });
        const col = t.col as string;
        await c.query('begin');
        try {
          if (!(await keysWithRegion(c, t.tbl, col))) {
            await c.query('rollback');
            continue;
          }
          await c.query(
            t.tbl === ANCHOR
              ? `select create_distributed_table($1, $2)`
              : `select create_distributed_table($1, $2, colocate_with => '${ANCHOR}')`,
            [`public.${ident(t.tbl)}`, col],
          );
          await c.query('commit');
        } catch (e) {
          await c.query('rollback');
          throw e;
        }
        // rows that were there before are copied to the shards; the coordinator's own copy is then dropped
        await c.query(`select truncate_local_data_after_distributing_table($1)`, [`public.${ident(t.tbl)}`]);
      }
      for (const t of all) {
        if (!REFERENCE_TABLES.includes(t.tbl) || t.kind === 'r') continue;
        await c.query(`select create_reference_table($1)`, [`public.${ident(t.tbl)}`]);
        await c.query(`select truncate_local_data_after_distributing_table($1)`, [`public.${ident(t.tbl)}`]);
      }
      const after = await tables(c);
      return {
        distributed: after.filter((t) => t.kind === 'd').map((t) => t.tbl),
        reference: after.filter((t) => t.kind === 'r').map((t) => t.tbl),
        local: after.filter((t) => t.kind !== 'd' && t.kind !== 'r').map((t) => t.tbl),
      };
    } finally {
      await c.query('select pg_advisory_unlock(724001)').catch(() => undefined);
    }
  } finally {
    c.release();
  }
}
