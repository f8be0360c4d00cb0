import { defineConfig } from 'drizzle-kit';

// facts.ts (partitioned tables) is left out on purpose: its DDL is a custom migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: [
    './lib/db/schema/regions.ts',
    './lib/db/schema/institutions.ts',
    './lib/db/schema/persons.ts',
    './lib/db/schema/ingest.ts',
    './lib/db/schema/policies.ts',
    './lib/db/schema/alerts.ts',
    './lib/db/schema/cases.ts',
    './lib/db/schema/users.ts',
    './lib/db/schema/mail.ts',
    './lib/db/schema/indicators.ts',
  ],
  out: './drizzle',
  strict: true,
});
