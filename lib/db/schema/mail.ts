import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * 周报订阅: one row per user. `regions` is a subset of the user's own regions (empty = all of them);
 * `rules` empty = every rule; alerts below `min_severity` (low < medium < high) are left out.
 */
export const mailSubscriptions = pgTable('mail_subscriptions', {
  userId: bigint('user_id', { mode: 'number' }).primaryKey(),
  enabled: boolean('enabled').notNull().default(true),
  regions: text('regions').array().notNull().default([]),
  rules: text('rules').array().notNull().default([]),
  minSeverity: text('min_severity').notNull().default('low'),
  updatedBy: bigint('updated_by', { mode: 'number' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The sent log: exactly one row per (ISO week, recipient). A row is claimed ('sending') before the
 * mail leaves and marked 'sent' after; see lib/mail/README.md for how a crash in between is handled.
 * status: sending | sent | failed (definitely not delivered, retried) | unknown (crash or ambiguous
 * SMTP error: never resent automatically, an admin decides).
 */
export const mailSent = pgTable(
  'mail_sent',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** ISO week in Asia/Shanghai, e.g. 2026-W47 */
    week: text('week').notNull(),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    email: text('email').notNull(),
    /** the regions the mail covered (region codes, 6 digits) */
    regionCodes: text('region_codes').array().notNull().default([]),
    status: text('status').notNull(),
    /** deterministic: <digest-2026-W47-12@ofm>, so a receiver can also de-duplicate */
    messageId: text('message_id').notNull(),
    subject: text('subject').notNull(),
    /** smtp | outbox */
    transport: text('transport').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    counts: jsonb('counts'),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('mail_sent_week_user_idx').on(t.week, t.userId), index('mail_sent_status_idx').on(t.status)],
);

/** Every delivery attempt (success or error), shown on the settings page. */
export const mailAttempts = pgTable(
  'mail_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sentId: bigint('sent_id', { mode: 'number' }).notNull(),
    week: text('week').notNull(),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    regionCodes: text('region_codes').array().notNull().default([]),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    ok: boolean('ok').notNull(),
    error: text('error'),
    transport: text('transport').notNull(),
  },
  (t) => [index('mail_attempts_sent_idx').on(t.sentId)],
);
