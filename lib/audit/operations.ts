/**
 * Audit rows for the bulk writes that do not go through a per-row domain operation: an ingest
 * (CLI and browser upload), a recompute, a digest delivery attempt. Same append-only audit_log and the
 * same shape as every other write: actor, action, entity, region, details.
 *
 * An ingest is recorded once per batch and region it loaded into (the region column is what RLS
 * scopes audit rows by, so each region's readers see only their own part); a batch that loaded no
 * region at all (every row rejected, strict roll-back, failure) gets one row without a region.
 */
import os from 'node:os';
import type { Db, DbOrTx } from '../db/client';
import type { Actor } from '../db/scoped';
import { audit } from './index';

/** A command-line run: no signed-in user; the operating-system account is who ran it. */
export function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): the name stays 'unknown'
  }
  return { userId: null, name: `cli:${user}`, role: 'system', regions: ['*'] };
}

interface BatchRow {
  id: number;
  file_name: string;
  file_sha256: string;
  kind: string;
  format: string;
  status: string;
  strict: number | boolean;
  rows: number | null;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  rejected: number | null;
  reversed: number | null;
  months: string[] | null;
  region_codes: string[] | null;
  message: string | null;
}

/** Writes the audit rows of finished (or failed) ingest batches, read back from ingest_batches. */
export async function auditIngest(db: Db, actor: Actor, batchIds: readonly number[], ctx: { via: 'cli' | 'upload'; ip?: string | null }): Promise<number> {
  if (!batchIds.length) return 0;
  const r = await db.$client.query<BatchRow>(
    `select id, file_name, file_sha256, kind, format, status, strict, rows, inserted, updated, unchanged, rejected, reversed, months, region_codes, message
       from ingest_batches where id = any($1::bigint[]) order by id`,
    [batchIds],
  );
  let n = 0;
  for (const b of r.rows) {
    const regions = (b.region_codes ?? []).filter(Boolean);
    const after = {
      via: ctx.via,
      batchId: Number(b.id),
      fileName: b.file_name,
      sha256: b.file_sha256 || null,
      kind: b.kind,
      format: b.format,
      status: b.status,
      strict: Boolean(b.strict),
      rows: b.rows ?? 0,
      inserted: b.inserted ?? 0,
      updated: b.updated ?? 0,
      unchanged: b.unchanged ?? 0,
      rejected: b.rejected ?? 0,
      reversed: b.reversed ?? 0,
      months: (b.months ?? []).map((m) => String(m).slice(0, 7)),
      regions,
      ...(b.status === 'failed' && b.message ? { message: b.message.slice(0, 500) } : {}),
    };
    for (const regionCode of regions.length ? regions : [null]) {
      await audit(db, actor, { action: 'ingest', entity: 'ingest_batch', entityId: b.id, regionCode, after, ip: ctx.ip ?? null });
      n++;
    }
  }
  return n;
}

export interface RecomputeAudit {
  mode: string;
  from?: string;
  full?: boolean;
  months: string[];
  regions: string[];
  alerts: { inserted: number; total: number };
  ms: number;
}

/** One row per recompute run: its scope (mode, months, regions) and what it produced. */
export async function auditRecompute(db: DbOrTx, actor: Actor, r: RecomputeAudit): Promise<void> {
  await audit(db, actor, {
    action: 'recompute',
    entity: 'recompute_run',
    regionCode: r.regions.length === 1 ? r.regions[0] : null,
    after: { mode: r.mode, from: r.from ?? null, full: Boolean(r.full), months: r.months, regions: r.regions, alerts: r.alerts, ms: r.ms },
  });
}

/** One row per delivery attempt of a weekly digest, in the transaction that logs the attempt. */
export async function auditDigestSend(
  tx: DbOrTx,
  row: { id: number; week: string; userId: number; email: string; regionCodes: string[]; transport: string | null; attempts: number },
  outcome: { ok: boolean; status?: string; error: string | null },
): Promise<void> {
  await audit(tx, { userId: null, name: 'system:digest', role: 'system', regions: ['*'] }, {
    action: 'mail.digest.send',
    entity: 'mail_sent',
    entityId: row.id,
    regionCode: row.regionCodes.length === 1 ? row.regionCodes[0] : null,
    after: { week: row.week, userId: row.userId, email: row.email, regions: row.regionCodes, transport: row.transport, attempt: row.attempts, ok: outcome.ok, status: outcome.status ?? null, error: outcome.error },
  });
}
