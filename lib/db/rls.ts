/**
 * Keeps region row-level security complete as tables are added (runs after every migration run).
 * - every table in schema public with a `region_code` or `admdvs` column and no policy yet gets the
 *   region policy (`apply_region_rls`, drizzle/0006_accounts_rls.sql);
 * - the app role (APP_DB_ROLE, default ofm_app) gets SELECT/INSERT/UPDATE/DELETE on ordinary and
 *   partitioned parent tables, but nothing on partitions (settlements_202501 …), which are only reachable
 *   through their parent where the policy applies; INSERT/SELECT only on audit_log (append-only);
 *   nothing on sessions, and on users only the columns without secrets.
 * Idempotent. Identifiers come from pg_catalog or the validated APP_DB_ROLE and are quoted.
 */
import { sql } from 'drizzle-orm';
import { env } from '../env';
import type { Db } from './client';

/** Columns of `users` the app role may read (never password_hash or the lockout counters). */
const USER_COLUMNS = ['id', 'email', 'name', 'role', 'regions', 'active', 'created_at'];

export interface RlsReport {
  /** tables that got a policy in this run */
  applied: string[];
  /** every table under region RLS after this run */
  covered: string[];
}

/** Identifiers here come from pg_catalog or the validated env; quoted all the same. */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function ensureRegionRls(db: Db): Promise<RlsReport> {
  const role = env().APP_DB_ROLE;
  const { rows: covered0 } = await db.execute<{ tbl: string; col: string; has_policy: boolean }>(sql`
    select c.relname as tbl,
           (array_agg(a.attname::text order by case a.attname when 'region_code' then 0 else 1 end))[1] as col,
           exists (select 1 from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname) as has_policy
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      join pg_attribute a on a.attrelid = c.oid and a.attname in ('region_code', 'admdvs') and not a.attisdropped
     where c.relkind in ('r', 'p') and not c.relispartition
     group by c.relname`);
  const applied: string[] = [];
  for (const t of covered0) {
    if (t.has_policy) continue;
    await db.execute(sql`select apply_region_rls(${t.tbl}::regclass, ${t.col})`);
    applied.push(t.tbl);
  }

  const app = ident(role);
  const { rows: roleRows } = await db.execute<{ exists: boolean; member: boolean }>(sql`
    select exists (select 1 from pg_roles where rolname = ${role}) as exists,
           coalesce((select pg_has_role(current_user, oid, 'MEMBER') from pg_roles where rolname = ${role}), false) as member`);
  if (!roleRows[0]?.exists) await db.execute(sql.raw(`create role ${app} nologin nosuperuser nobypassrls`));
  if (!roleRows[0]?.member) {
    // A non-superuser owner needs membership to SET ROLE; without the right to grant it, scoped() fails loudly later.
    await db.execute(sql.raw(`grant ${app} to current_user`)).catch((e: unknown) => {
      console.warn(`cannot grant ${role} to the connecting user: ${(e as Error).message}`);
    });
  }
  await db.execute(sql.raw(`grant usage on schema public to ${app}`));
  const { rows: tables } = await db.execute<{ tbl: string; part: boolean }>(sql`
    select c.relname as tbl, c.relispartition as part
      from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
     where c.relkind in ('r', 'p') order by 1`);
  for (const { tbl, part } of tables) {
    const t = ident(tbl);
    if (part || tbl === 'sessions') {
      await db.execute(sql.raw(`revoke all on table ${t} from ${app}`));
    } else if (tbl === 'audit_log') {
      await db.execute(sql.raw(`revoke update, delete, truncate on table ${t} from ${app}`));
      await db.execute(sql.raw(`grant select, insert on table ${t} to ${app}`));
    } else if (tbl === 'users') {
      await db.execute(sql.raw(`revoke all on table ${t} from ${app}`));
      await db.execute(sql.raw(`grant select (${USER_COLUMNS.map(ident).join(', ')}) on table ${t} to ${app}`));
    } else {
      await db.execute(sql.raw(`grant select, insert, update, delete on table ${t} to ${app}`));
    }
  }
  await db.execute(sql.raw(`grant usage, select on all sequences in schema public to ${app}`));

  const { rows } = await db.execute<{ tbl: string }>(sql`
    select c.relname as tbl from pg_class c join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
     where c.relrowsecurity and not c.relispartition order by 1`);
  return { applied, covered: rows.map((r) => r.tbl) };
}
