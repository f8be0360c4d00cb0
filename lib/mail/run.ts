/**
 * One week's digests for every recipient (the CLI `digest` and the scheduled job share it).
 * Building reads as each recipient; sending goes through deliverDigest's sent log.
 */
import type { Db } from '../db/client';
import { mailConfig } from './config';
import { DeliveryError, deliverDigest, digestMail, type DeliveryResult } from './deliver';
import { buildDigest, type DigestCounts } from './digest';
import { listRecipients, recipientFor, type Recipient } from './subscriptions';
import type { Transport } from './transport';
import type { IsoWeek } from './week';

export interface RecipientOutcome {
  user_id: number;
  email: string;
  name: string;
  regions: string[];
  subject: string;
  message_id: string;
  counts: DigestCounts;
  /** sent | skipped (not asked to send, or already sent / in progress / needs an admin) | failed | unknown */
  status: DeliveryResult['status'];
  reason?: string;
  attempts?: number;
  error?: string;
  /** not sent: where its preview (.eml) was written */
  preview?: string;
}

export interface RunOptions {
  send: boolean;
  transport?: Transport;
  staleMinutes?: number;
  /** limit to these users (default: every subscribed recipient) */
  userIds?: number[];
  /** let a definite delivery failure throw (the job queue then retries) instead of reporting it */
  throwOnFailure?: boolean;
  /** without send: write each message here instead (no sent log, nothing delivered) */
  preview?: Transport & { fileFor(messageId: string): string };
}

export async function deliverOne(db: Db, r: Recipient, week: IsoWeek, opts: RunOptions): Promise<RecipientOutcome> {
  const digest = await buildDigest(db, r, week);
  const base = { user_id: r.userId, email: r.email, name: r.name, regions: r.regions, subject: digest.subject, message_id: digest.messageId, counts: digest.counts };
  if (!opts.send || !opts.transport) {
    if (!opts.preview) return { ...base, status: 'skipped', reason: 'not_sent' };
    await opts.preview.send(digestMail(r, digest, mailConfig().MAIL_FROM));
    return { ...base, status: 'skipped', reason: 'not_sent', preview: opts.preview.fileFor(digest.messageId) };
  }
  try {
    const res = await deliverDigest(db, r, digest, { transport: opts.transport, staleMinutes: opts.staleMinutes });
    return { ...base, status: res.status, reason: res.reason, attempts: res.attempts, error: res.error };
  } catch (e) {
    if (e instanceof DeliveryError && !opts.throwOnFailure) return { ...base, status: 'failed', error: e.message };
    throw e;
  }
}

export async function runDigest(db: Db, week: IsoWeek, opts: RunOptions): Promise<RecipientOutcome[]> {
  const recipients = opts.userIds ? await Promise.all(opts.userIds.map((id) => recipientFor(db, id))) : await listRecipients(db);
  const out: RecipientOutcome[] = [];
  for (const r of recipients) out.push(await deliverOne(db, r, week, opts));
  return out;
}
