import { date, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Policy versions as loaded from policies/*.json (the files are the source; this is their record). */
export const policyVersions = pgTable('policy_versions', {
  id: text('id').primaryKey(),
  regionPrefixes: text('region_prefixes').array().notNull(),
  effectiveFrom: date('effective_from').notNull(),
  effectiveTo: date('effective_to'),
  document: text('document').notNull(),
  sha256: text('sha256').notNull(),
  body: jsonb('body').notNull(),
  loadedAt: timestamp('loaded_at', { withTimezone: true }).notNull().defaultNow(),
});
