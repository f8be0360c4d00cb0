-- Issue 21: monitoring threshold versions adopted from a back-test, layered over policies/monitoring/*.json.
-- One row per (region, effective month): the full set of threshold overrides in force from that month (validated with
-- the same zod schema as an override file), the policy it was based on, the admin's reason and the back-test figures.
-- Alerts from `effective_from` on record `policy_id` = the version's id (monitoring-<region>-<date>-v<id>); earlier alerts
-- keep theirs. Region-scoped (RLS via ensureRegionRls); the key includes region_code (Citus: distributed by region).
CREATE TABLE IF NOT EXISTS "monitoring_versions" (
	"id" bigserial NOT NULL,
	"region_code" char(6) NOT NULL,
	"effective_from" date NOT NULL,
	"thresholds" jsonb NOT NULL,
	"based_on" text NOT NULL,
	"rule_id" text NOT NULL,
	"reason" text NOT NULL,
	"author_id" bigint,
	"author" text NOT NULL,
	"backtest" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitoring_versions_pk" PRIMARY KEY ("region_code", "id"),
	CONSTRAINT "monitoring_versions_month_start" CHECK (extract(day from "effective_from") = 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "monitoring_versions_region_from_idx" ON "monitoring_versions" USING btree ("region_code", "effective_from");
