import { bigint, bigserial, char, date, doublePrecision, index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * One alert per (region, rule, subject, period): re-running the rules updates it, never duplicates it.
 * Lifecycle: new → assigned → confirmed | dismissed → case.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    ruleId: text('rule_id').notNull(),
    /** institution | doctor | insured | region */
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    subjectName: text('subject_name'),
    periodKey: text('period_key').notNull(),
    periodStart: date('period_start').notNull(),
    periodEnd: date('period_end').notNull(),
    /** violation (明确违规) | suspicious (可疑) */
    resultType: text('result_type').notNull(),
    severity: text('severity').notNull(),
    status: text('status').notNull().default('new'),
    value: doublePrecision('value'),
    threshold: doublePrecision('threshold'),
    peerMedian: doublePrecision('peer_median'),
    percentile: doublePrecision('percentile'),
    robustZ: doublePrecision('robust_z'),
    /** fen at stake (fund paid on the flagged claims) */
    amount: bigint('amount', { mode: 'number' }).notNull().default(0),
    explanation: text('explanation').notNull(),
    clause: text('clause').notNull(),
    evidence: jsonb('evidence').notNull(),
    policyId: text('policy_id'),
    assignedTo: bigint('assigned_to', { mode: 'number' }),
    dismissReason: text('dismiss_reason'),
    caseId: bigint('case_id', { mode: 'number' }),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('alerts_dedup_idx').on(t.regionCode, t.ruleId, t.subjectType, t.subjectId, t.periodKey),
    index('alerts_list_idx').on(t.regionCode, t.status, t.severity),
    index('alerts_rule_idx').on(t.ruleId, t.periodStart),
    index('alerts_period_idx').on(t.regionCode, t.periodStart),
  ],
);

/** Every verdict and assignment on an alert (the history shown on the detail page). */
export const alertEvents = pgTable(
  'alert_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: bigint('alert_id', { mode: 'number' }).notNull(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    userId: bigint('user_id', { mode: 'number' }),
    action: text('action').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    reason: text('reason'),
    /** verdict reason code (lib/alerts/verdict-reasons.ts), for rule-quality statistics */
    reasonCode: text('reason_code'),
  },
  (t) => [index('alert_events_alert_idx').on(t.alertId)],
);

/** 白名单: suppress a rule for a subject until it expires. */
export const alertWhitelist = pgTable('alert_whitelist', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  regionCode: char('region_code', { length: 6 }).notNull(),
  ruleId: text('rule_id').notNull(),
  subjectType: text('subject_type').notNull(),
  subjectId: text('subject_id').notNull(),
  reason: text('reason').notNull(),
  expiresAt: date('expires_at').notNull(),
  createdBy: bigint('created_by', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
