import { bigint, bigserial, char, date, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Monitoring threshold versions adopted from a back-test (issue 21), layered over policies/monitoring/*.json: from
 * `effective_from` (a month's first day) the region's thresholds are the file's merged with `thresholds` (the full set
 * of overrides, validated like an override file). See lib/policies/monitoring-versions.ts.
 */
export const monitoringVersions = pgTable(
  'monitoring_versions',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    effectiveFrom: date('effective_from').notNull(),
    thresholds: jsonb('thresholds').notNull(),
    /** policy id in force when it was adopted (a file id list joined by '+', or an earlier version's id) */
    basedOn: text('based_on').notNull(),
    /** the rule whose back-test it was adopted from */
    ruleId: text('rule_id').notNull(),
    reason: text('reason').notNull(),
    authorId: bigint('author_id', { mode: 'number' }),
    author: text('author').notNull(),
    /** the back-test's figures (lib/rules/backtest.ts BacktestSummary) */
    backtest: jsonb('backtest').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'monitoring_versions_pk', columns: [t.regionCode, t.id] }), uniqueIndex('monitoring_versions_region_from_idx').on(t.regionCode, t.effectiveFrom)],
);
