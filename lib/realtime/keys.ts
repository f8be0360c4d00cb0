/**
 * Keys of the institutions' systems for the real-time check (NHSA 3101/3102/3103). A key is `ofm_<region>_<secret>`:
 * 32 random bytes (base64url) after the institution's region, so the lookup is one probe of (region, sha-256) inside
 * that region. Only the SHA-256 of the whole key is stored (a high-entropy secret needs no slow hash), with its first
 * characters to tell keys apart on the admin page. Creating and revoking are admin operations, each with its audit
 * row in the same transaction.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type pg from 'pg';
import { audit } from '../audit';
import { assertCan } from '../auth/permissions';
import type { Db } from '../db/client';
import { scoped, type Actor } from '../db/scoped';
import { InputError, NotFoundError } from '../errors';

const KEY_RE = /^ofm_(\d{6})_([A-Za-z0-9_-]{43})$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The region a key belongs to, or null when the text is not a key of this system. */
export function keyRegion(key: string): string | null {
  return KEY_RE.exec(key)?.[1] ?? null;
}

export interface KeyRow {
  id: number;
  region_code: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  key_prefix: string;
  label: string | null;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
  calls: number;
  last_call: string | null;
}

export interface CreatedKey {
  id: number;
  key: string;
  region: string;
  institution: string;
  institution_name: string;
}

/**
 * A new key for an institution (fixmedins_code) of the loaded master data. The region is the institution's; an
 * institution known in several regions needs `region`. The key is shown once, here.
 */
export async function createKey(db: Db, actor: Actor, o: { institution: string; region?: string; label?: string | null }): Promise<CreatedKey> {
  assertCan(actor, 'user.manage');
  const code = o.institution.trim();
  if (!code) throw new InputError('请填写机构编码', { field: 'institution' });
  if (o.region !== undefined && !/^\d{6}$/.test(o.region)) throw new InputError('统筹区编码应为 6 位数字', { field: 'region' });
  return scoped(db, actor, async (tx) => {
    const found = await tx.execute<{ region_code: string; fixmedins_name: string }>(
      sql`select region_code, fixmedins_name from institutions where fixmedins_code = ${code} and (${o.region ?? null}::text is null or region_code = ${o.region ?? null}) order by region_code`,
    );
    if (!found.rows.length) throw new InputError(`机构 ${code} 不存在${o.region ? `于统筹区 ${o.region}` : ''}（请先导入机构信息）`, { field: 'institution' });
    if (found.rows.length > 1) {
      throw new InputError(`机构 ${code} 在多个统筹区（${found.rows.map((r) => r.region_code).join('、')}），请指定统筹区`, { field: 'region' });
    }
    const inst = found.rows[0] as { region_code: string; fixmedins_name: string };
    const key = `ofm_${inst.region_code}_${randomBytes(32).toString('base64url')}`;
    const label = o.label?.trim().slice(0, 100) || null;
    const r = await tx.execute<{ id: number }>(
      sql`insert into rt_api_keys (region_code, fixmedins_code, key_prefix, key_hash, label, created_by)
          values (${inst.region_code}, ${code}, ${key.slice(0, 15)}, ${hashKey(key)}, ${label}, ${actor.name}) returning id`,
    );
    const id = Number(r.rows[0]?.id);
    await audit(tx, actor, { action: 'apikey.create', entity: 'rt_api_key', entityId: id, regionCode: inst.region_code, after: { institution: code, prefix: key.slice(0, 15), label } });
    return { id, key, region: inst.region_code, institution: code, institution_name: inst.fixmedins_name };
  });
}

/** Revokes a key: calls with it get 401 from then on. Revoking twice changes nothing (and is refused as such). */
export async function revokeKey(db: Db, actor: Actor, o: { region: string; id: number }): Promise<void> {
  assertCan(actor, 'user.manage');
  await scoped(db, actor, async (tx) => {
    const r = await tx.execute<{ fixmedins_code: string; revoked_at: string | null }>(
      sql`select fixmedins_code, revoked_at from rt_api_keys where region_code = ${o.region} and id = ${o.id} for update`,
    );
    const row = r.rows[0];
    if (!row) throw new NotFoundError('密钥不存在');
    if (row.revoked_at) throw new InputError('该密钥已作废', { field: 'id' });
    await tx.execute(sql`update rt_api_keys set revoked_at = now(), revoked_by = ${actor.name} where region_code = ${o.region} and id = ${o.id}`);
    await audit(tx, actor, { action: 'apikey.revoke', entity: 'rt_api_key', entityId: o.id, regionCode: o.region, after: { institution: row.fixmedins_code } });
  });
}

/** Keys of the actor's regions with their call counts, newest first. */
export async function listKeys(c: pg.ClientBase): Promise<KeyRow[]> {
  const r = await c.query<KeyRow>(
    `select k.id::int as id, k.region_code, k.fixmedins_code, i.fixmedins_name, k.key_prefix, k.label,
        to_char(k.created_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as created_at, k.created_by,
        to_char(k.revoked_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as revoked_at, k.revoked_by,
        coalesce(n.calls, 0)::int as calls, to_char(n.last at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as last_call
       from rt_api_keys k
       left join institutions i on i.region_code = k.region_code and i.fixmedins_code = k.fixmedins_code
       left join lateral (select count(*) as calls, max(at) as last from rt_calls c where c.region_code = k.region_code and c.key_id = k.id) n on true
      order by k.revoked_at is not null, k.created_at desc, k.id desc limit 500`,
  );
  return r.rows;
}
