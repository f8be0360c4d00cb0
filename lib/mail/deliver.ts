/**
 * Exactly one digest per recipient per ISO week (design in README.md):
 * 1. claim: insert the (week, user) row with status 'sending' — the unique index lets only one
 *    process claim; a row may be re-claimed only when it is 'failed' (definitely not delivered);
 * 2. send;
 * 3. mark 'sent' (and the attempt) in one transaction.
 * A crash between 2 and 3 leaves 'sending'. Once older than MAIL_STALE_MINUTES it is resolved:
 * outbox → the .eml file decides (exists = sent, absent = failed and resent); SMTP → 'unknown',
 * never resent automatically (a duplicate is worse than a mail an admin re-sends by hand).
 */
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { audit } from '../audit';
import { auditDigestSend } from '../audit/operations';
import type { Db } from '../db/client';
import { mailAttempts, mailSent } from '../db/schema';
import type { Actor } from '../db/scoped';
import { ForbiddenError, NotFoundError } from '../errors';
import { mailConfig } from './config';
import { CHART_CID, type Digest } from './digest';
import type { Recipient } from './subscriptions';
import type Mail from 'nodemailer/lib/mailer';
import type { Transport } from './transport';

export type DeliveryStatus = 'sent' | 'skipped' | 'failed' | 'unknown';
export type SkipReason = 'already_sent' | 'in_progress' | 'unknown_needs_admin';

export interface DeliveryResult {
  status: DeliveryStatus;
  reason?: SkipReason;
  attempts: number;
  error?: string;
}

/** A definite, retryable delivery failure (nothing was delivered). pg-boss retries the job with backoff. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

export interface DeliverOptions {
  transport: Transport;
  from?: string;
  staleMinutes?: number;
  /** test seam: runs after the mail left and before it is logged (a throw here simulates a crash) */
  afterSend?: () => void | Promise<void>;
}

type SentRow = typeof mailSent.$inferSelect;

const PRE_DATA_COMMANDS = new Set(['CONN', 'EHLO', 'HELO', 'STARTTLS', 'AUTH', 'AUTH PLAIN', 'AUTH LOGIN', 'MAIL FROM', 'RCPT TO']);
const DEFINITE_CODES = new Set(['ECONNECTION', 'ECONNREFUSED', 'EDNS', 'ETLS', 'EAUTH', 'EENVELOPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * Whether a send error proves the message was NOT delivered: the server answered with an error code,
 * or the failure happened before the message data was sent. A time-out or dropped socket while the
 * data was in flight is ambiguous: the server may have accepted the message.
 */
export function definitelyNotDelivered(e: unknown): boolean {
  const err = e as { code?: string; command?: string; responseCode?: number };
  if (typeof err.responseCode === 'number' && err.responseCode >= 400) return true;
  if (err.code && DEFINITE_CODES.has(err.code)) return true;
  if (err.command && PRE_DATA_COMMANDS.has(err.command.toUpperCase())) return true;
  return false;
}

const errText = (e: unknown) => {
  const err = e as { message?: string; code?: string; command?: string; responseCode?: number };
  return [err.code, err.command, err.responseCode, err.message ?? String(e)].filter((x) => x !== undefined && x !== '').join(' ').slice(0, 1000);
};

async function logAttempt(db: Db, row: SentRow, ok: boolean, error: string | null, set: Partial<SentRow>) {
  await db.transaction(async (tx) => {
    await tx
      .update(mailSent)
      .set({ ...set, updatedAt: new Date() })
      .where(eq(mailSent.id, row.id));
    await tx.insert(mailAttempts).values({ sentId: row.id, week: row.week, userId: row.userId, regionCodes: row.regionCodes, ok, error, transport: row.transport });
    await auditDigestSend(tx, row, { ok, status: set.status, error });
  });
}

/** Resolves a 'sending' row older than the stale limit. Returns the row as it now stands. */
async function resolveStale(db: Db, row: SentRow, transport: Transport): Promise<SentRow> {
  let set: Partial<SentRow>;
  if (row.transport === 'outbox' && transport.kind === 'outbox' && transport.delivered) {
    set = transport.delivered(row.messageId)
      ? { status: 'sent', sentAt: new Date(), lastError: null }
      : { status: 'failed', lastError: '发送中断，发件箱中没有该邮件，将重新发送 (interrupted before the .eml was written)' };
  } else {
    set = { status: 'unknown', lastError: '发送过程中断，无法确认是否已送达；不会自动重发，请管理员确认后重试 (crash between send and log)' };
  }
  const [updated] = await db
    .update(mailSent)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(mailSent.id, row.id), eq(mailSent.status, 'sending'), eq(mailSent.claimedAt, row.claimedAt)))
    .returning();
  return updated ?? row;
}

/** Marks stale 'sending' rows (crashed senders) as resolved; the worker runs it every minute. */
export async function sweepStale(db: Db, transport: Transport, staleMinutes = mailConfig().MAIL_STALE_MINUTES): Promise<number> {
  const rows = await db
    .select()
    .from(mailSent)
    .where(and(eq(mailSent.status, 'sending'), lt(mailSent.claimedAt, sql`now() - make_interval(mins => ${staleMinutes})`)));
  for (const r of rows) await resolveStale(db, r, transport);
  return rows.length;
}

function isStale(row: SentRow, staleMinutes: number): boolean {
  return Date.now() - row.claimedAt.getTime() >= staleMinutes * 60_000;
}

/** The message of one recipient's digest, as sent and as previewed (`digest` without --send). */
export function digestMail(r: Recipient, digest: Digest, from: string): Mail.Options & { messageId: string } {
  return {
    from,
    to: { name: r.name, address: r.email },
    subject: digest.subject,
    text: digest.text,
    html: digest.html,
    messageId: digest.messageId,
    headers: { 'X-OFM-Digest-Week': digest.data.week.key },
    attachments: [{ filename: digest.chart.filename, content: digest.chart.content, contentType: digest.chart.contentType, cid: CHART_CID, contentDisposition: 'inline' }],
  };
}

/** Sends one recipient's digest at most once per week (see the file comment). */
export async function deliverDigest(db: Db, r: Recipient, digest: Digest, opts: DeliverOptions): Promise<DeliveryResult> {
  const cfg = mailConfig();
  const staleMinutes = opts.staleMinutes ?? cfg.MAIL_STALE_MINUTES;
  const week = digest.data.week.key;
  let [existing] = await db.select().from(mailSent).where(and(eq(mailSent.week, week), eq(mailSent.userId, r.userId)));
  if (existing?.status === 'sending' && isStale(existing, staleMinutes)) existing = await resolveStale(db, existing, opts.transport);
  if (existing) {
    if (existing.status === 'sent') return { status: 'skipped', reason: 'already_sent', attempts: existing.attempts };
    if (existing.status === 'sending') return { status: 'skipped', reason: 'in_progress', attempts: existing.attempts };
    if (existing.status === 'unknown') return { status: 'skipped', reason: 'unknown_needs_admin', attempts: existing.attempts, error: existing.lastError ?? undefined };
  }
  // Claim. The conditional upsert is atomic: of two racing workers only one gets a row back.
  const values = {
    week,
    userId: r.userId,
    email: r.email,
    regionCodes: r.regions,
    status: 'sending',
    messageId: digest.messageId,
    subject: digest.subject,
    transport: opts.transport.kind,
    attempts: 1,
    counts: digest.counts,
    claimedAt: new Date(),
  };
  const [claimed] = await db
    .insert(mailSent)
    .values(values)
    .onConflictDoUpdate({
      target: [mailSent.week, mailSent.userId],
      set: { status: 'sending', attempts: sql`${mailSent.attempts} + 1`, claimedAt: values.claimedAt, subject: values.subject, counts: values.counts, email: values.email, regionCodes: values.regionCodes, transport: values.transport, updatedAt: values.claimedAt },
      setWhere: eq(mailSent.status, 'failed'),
    })
    .returning();
  if (!claimed) return { status: 'skipped', reason: 'in_progress', attempts: existing?.attempts ?? 0 };

  try {
    await opts.transport.send(digestMail(r, digest, opts.from ?? cfg.MAIL_FROM));
  } catch (e) {
    const error = errText(e);
    if (definitelyNotDelivered(e)) {
      await logAttempt(db, claimed, false, error, { status: 'failed', lastError: error });
      throw new DeliveryError(`发送失败，将重试 (send failed, will retry): ${error}`);
    }
    await logAttempt(db, claimed, false, error, { status: 'unknown', lastError: `无法确认是否已送达，不自动重发: ${error}` });
    return { status: 'unknown', attempts: claimed.attempts, error };
  }
  await opts.afterSend?.();
  await logAttempt(db, claimed, true, null, { status: 'sent', sentAt: new Date(), lastError: null });
  return { status: 'sent', attempts: claimed.attempts };
}

/** Admin: allow one more send of a 'failed' or 'unknown' digest (the deterministic Message-ID lets receivers drop a duplicate). */
export async function allowResend(db: Db, actor: Actor, sentId: number): Promise<SentRow> {
  if (actor.role !== 'admin' && actor.role !== 'system') throw new ForbiddenError('只有管理员可以重发周报');
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(mailSent)
      .set({ status: 'failed', lastError: `管理员 ${actor.name} 确认重发`, updatedAt: new Date() })
      .where(and(eq(mailSent.id, sentId), inArray(mailSent.status, ['failed', 'unknown'])))
      .returning();
    if (!row) throw new NotFoundError(`没有可重发的记录: ${sentId}`);
    await audit(tx, actor, { action: 'mail.digest.resend', entity: 'mail_sent', entityId: sentId, after: { week: row.week, userId: row.userId } });
    return row;
  });
}
