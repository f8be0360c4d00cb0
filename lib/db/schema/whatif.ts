import { bigserial, char, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** What-if scenarios (drizzle/0018): a policy version body drafted from the published one, never in force. */
export const whatifScenarios = pgTable(
  'whatif_scenarios',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    id: bigserial('id', { mode: 'number' }).notNull(),
    name: text('name').notNull(),
    basePolicyId: text('base_policy_id').notNull(),
    /** the scenario in the format of policies/*.json (validated by lib/policies/schema.ts) */
    body: jsonb('body').notNull(),
    authorId: integer('author_id'),
    authorName: text('author_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.regionCode, t.id] }), index('whatif_scenarios_created_idx').on(t.regionCode, t.createdAt)],
);
