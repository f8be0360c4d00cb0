/**
 * The persistent schedule: pg-boss 10 (supports Node ≥ 20) with its tables in the `pgboss` schema of
 * the app's own Postgres. A cron schedule (default Monday 08:00 Asia/Shanghai) enqueues one weekly job;
 * it fans out one send job per recipient. A send job that fails definitely (SMTP refused, 4xx/5xx) is
 * retried by pg-boss with exponential backoff; the sent log (deliver.ts) guarantees at most one mail
 * per recipient and week however often jobs run.
 */
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Db } from '../db/client';
import { mailConfig } from './config';
import { sweepStale } from './deliver';
import { deliverOne } from './run';
import { listRecipients, recipientFor } from './subscriptions';
import type { Transport } from './transport';
import { parseWeek, previousWeek, weekOf, type IsoWeek } from './week';

export const WEEKLY_QUEUE = 'mail-digest-weekly';
export const SEND_QUEUE = 'mail-digest-send';

export interface WeeklyJob {
  /** YYYY-Www; absent for the cron run, which sends the week that just ended */
  week?: string;
}
export interface SendJob {
  week: string;
  userId: number;
}

export interface MailWorkerOptions {
  url: string;
  db: Db;
  transport: Transport;
  cron?: string;
  tz?: string;
  /** retries of a failed send: limit and the first delay (seconds), doubled each time */
  retryLimit?: number;
  retryDelaySeconds?: number;
  pollingIntervalSeconds?: number;
  staleMinutes?: number;
  log?: (msg: string) => void;
}

export interface MailWorker {
  boss: PgBoss;
  stop(): Promise<void>;
}

/** A deterministic job id per (week, user): enqueuing the same week twice adds no second job. */
export function sendJobId(week: string, userId: number): string {
  const h = createHash('sha1').update(`digest:${week}:${userId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** The week a run at `at` reports on: the ISO week that ended before it (Shanghai time). */
export function reportWeek(at: Date): IsoWeek {
  return previousWeek(weekOf(at));
}

export async function enqueueWeek(boss: PgBoss, db: Db, week: IsoWeek): Promise<number> {
  const recipients = await listRecipients(db);
  let queued = 0;
  for (const r of recipients) {
    const id = await boss.send(SEND_QUEUE, { week: week.key, userId: r.userId } satisfies SendJob, { id: sendJobId(week.key, r.userId) });
    if (id) queued += 1;
  }
  return queued;
}

export async function startMailWorker(o: MailWorkerOptions): Promise<MailWorker> {
  const cfg = mailConfig();
  const log = o.log ?? ((m: string) => console.log(`[mail] ${m}`));
  const boss = new PgBoss({
    connectionString: o.url,
    schema: 'pgboss',
    max: 4,
    application_name: 'ofm-mail-worker',
    ...(o.pollingIntervalSeconds ? { cronWorkerIntervalSeconds: Math.max(1, o.pollingIntervalSeconds) } : {}),
  });
  boss.on('error', (e: Error) => log(`pg-boss error: ${e.message}`));
  await boss.start();
  const retry = { retryLimit: o.retryLimit ?? 8, retryDelay: o.retryDelaySeconds ?? 60, retryBackoff: true, expireInSeconds: 15 * 60 };
  await boss.createQueue(WEEKLY_QUEUE, { name: WEEKLY_QUEUE, retryLimit: 2, retryDelay: 60, retryBackoff: true });
  await boss.createQueue(SEND_QUEUE, { name: SEND_QUEUE, ...retry });
  // createQueue keeps an existing queue as it is; apply the current retry settings.
  await boss.updateQueue(SEND_QUEUE, { name: SEND_QUEUE, ...retry });
  const cron = o.cron ?? cfg.DIGEST_CRON;
  const tz = o.tz ?? cfg.DIGEST_TZ;
  await boss.schedule(WEEKLY_QUEUE, cron, {}, { tz });

  const polling = o.pollingIntervalSeconds ? { pollingIntervalSeconds: o.pollingIntervalSeconds } : {};
  await boss.work<WeeklyJob>(WEEKLY_QUEUE, polling, async (jobs) => {
    for (const job of jobs) {
      const week = job.data?.week ? parseWeek(job.data.week) : reportWeek(new Date());
      const n = await enqueueWeek(boss, o.db, week);
      log(`${week.key}: ${n} send jobs queued`);
    }
  });
  await boss.work<SendJob>(SEND_QUEUE, polling, async (jobs) => {
    for (const job of jobs) {
      const r = await recipientFor(o.db, job.data.userId);
      if (!r.subscription.enabled || !r.regions.length) continue;
      // A definite failure throws (DeliveryError) and pg-boss retries with backoff.
      const res = await deliverOne(o.db, r, parseWeek(job.data.week), { send: true, transport: o.transport, staleMinutes: o.staleMinutes, throwOnFailure: true });
      log(`${job.data.week} → ${r.email}: ${res.status}${res.reason ? ` (${res.reason})` : ''}`);
    }
  });
  const sweep = setInterval(() => {
    sweepStale(o.db, o.transport, o.staleMinutes ?? cfg.MAIL_STALE_MINUTES).catch((e: Error) => log(`sweep: ${e.message}`));
  }, 60_000);
  sweep.unref();
  log(`worker started: schedule '${cron}' (${tz}), transport ${o.transport.kind}`);
  return {
    boss,
    async stop() {
      clearInterval(sweep);
      await boss.stop({ graceful: true, timeout: 10_000, wait: true });
    },
  };
}
