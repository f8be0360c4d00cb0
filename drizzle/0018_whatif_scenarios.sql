-- What-if scenarios (issue 22): a policy version drafted from the one in force, saved with its author, never in force.
-- Region-scoped (row-level security by region_code, applied by ensureRegionRls); the key includes the region (Citus).
CREATE TABLE IF NOT EXISTS "whatif_scenarios" (
  "region_code" char(6) NOT NULL,
  "id" bigserial NOT NULL,
  "name" text NOT NULL,
  "base_policy_id" text NOT NULL,
  "body" jsonb NOT NULL,
  "author_id" integer,
  "author_name" text NOT NULL,
  "created_at" timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY ("region_code", "id")
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "whatif_scenarios_created_idx" ON "whatif_scenarios" ("region_code", "created_at");
