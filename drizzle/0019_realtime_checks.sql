-- Issue 23: real-time checks (NHSA 3101 事前 / 3102 事中 / 3103 反馈). Every table is region-scoped (region_code first
-- in its key, so it distributes with the facts on Citus) and gets the region RLS policy from ensureRegionRls().
-- Keys of the institutions' systems: only the SHA-256 of the secret is kept; the region is part of the key text
-- (ofm_<region>_<secret>), so the lookup is one index probe inside that region.
CREATE TABLE IF NOT EXISTS "rt_api_keys" (
  "region_code" char(6) NOT NULL,
  "id" bigserial NOT NULL,
  "fixmedins_code" text NOT NULL,
  "key_prefix" text NOT NULL,
  "key_hash" text NOT NULL,
  "label" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "created_by" text NOT NULL,
  "revoked_at" timestamp with time zone,
  "revoked_by" text,
  PRIMARY KEY ("region_code", "id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "rt_api_keys_hash_idx" ON "rt_api_keys" ("region_code", "key_hash");
--> statement-breakpoint
-- One row per call made with a valid key (refused calls too, with their status; a call without a valid key has no
-- institution to count against).
CREATE TABLE IF NOT EXISTS "rt_calls" (
  "region_code" char(6) NOT NULL,
  "id" bigserial NOT NULL,
  "at" timestamp with time zone DEFAULT now() NOT NULL,
  "key_id" bigint NOT NULL,
  "fixmedins_code" text NOT NULL,
  "endpoint" text NOT NULL,
  "status" smallint NOT NULL,
  "ms" real NOT NULL,
  "trig_scen" text,
  "task_id" text,
  "results" integer DEFAULT 0 NOT NULL,
  "error" text,
  PRIMARY KEY ("region_code", "at", "id")
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "rt_calls_inst_idx" ON "rt_calls" ("region_code", "fixmedins_code", "at");
--> statement-breakpoint
-- Each checked encounter, so that a later check sees it (repeat visits, two places, overlapping supply, inpatient).
-- A check of the same encounter again replaces it.
CREATE TABLE IF NOT EXISTS "rt_encounters" (
  "region_code" char(6) NOT NULL,
  "fixmedins_code" text NOT NULL,
  "mdtrt_id" text NOT NULL,
  "adm_time" timestamp with time zone NOT NULL,
  "dscg_time" timestamp with time zone,
  "psn_no" text NOT NULL,
  "med_type" text NOT NULL,
  "inst_city" char(6) NOT NULL,
  "dr_codg" text,
  "medfee" bigint NOT NULL,
  "fund" bigint NOT NULL,
  "chronic" boolean NOT NULL,
  "trig_scen" text NOT NULL,
  "checked_at" timestamp with time zone DEFAULT now() NOT NULL,
  PRIMARY KEY ("region_code", "fixmedins_code", "mdtrt_id")
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "rt_encounters_psn_idx" ON "rt_encounters" ("region_code", "psn_no", "adm_time");
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "rt_orders" (
  "region_code" char(6) NOT NULL,
  "fixmedins_code" text NOT NULL,
  "mdtrt_id" text NOT NULL,
  "line_no" integer NOT NULL,
  "rx_id" text NOT NULL,
  "psn_no" text NOT NULL,
  "adm_time" timestamp with time zone NOT NULL,
  "hilist_code" text NOT NULL,
  "hilist_name" text,
  "days" integer,
  "sumamt" bigint NOT NULL,
  PRIMARY KEY ("region_code", "fixmedins_code", "mdtrt_id", "line_no")
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "rt_orders_psn_idx" ON "rt_orders" ("region_code", "psn_no", "adm_time");
--> statement-breakpoint
-- Each warning answered (jr_id), with its lines (details) and clause.
CREATE TABLE IF NOT EXISTS "rt_results" (
  "region_code" char(6) NOT NULL,
  "jr_id" text NOT NULL,
  "at" timestamp with time zone DEFAULT now() NOT NULL,
  "call_id" bigint NOT NULL,
  "endpoint" text NOT NULL,
  "fixmedins_code" text NOT NULL,
  "mdtrt_id" text NOT NULL,
  "psn_no" text NOT NULL,
  "rule_id" text NOT NULL,
  "sev_deg" text NOT NULL,
  "vola_amt" bigint NOT NULL,
  "vola_cont" text NOT NULL,
  "vola_evid" text NOT NULL,
  "task_id" text,
  "details" jsonb NOT NULL,
  PRIMARY KEY ("region_code", "jr_id")
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "rt_results_at_idx" ON "rt_results" ("region_code", "at");
--> statement-breakpoint
-- Every 3103 disposition, kept (a later one for the same warning is added, never overwrites).
CREATE TABLE IF NOT EXISTS "rt_dispositions" (
  "region_code" char(6) NOT NULL,
  "id" bigserial NOT NULL,
  "at" timestamp with time zone DEFAULT now() NOT NULL,
  "jr_id" text NOT NULL,
  "rule_id" text NOT NULL,
  "fixmedins_code" text NOT NULL,
  "key_id" bigint NOT NULL,
  "dspo_way" text NOT NULL,
  "dspo_wayrea" text,
  PRIMARY KEY ("region_code", "id")
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "rt_dispositions_jr_idx" ON "rt_dispositions" ("region_code", "jr_id", "at");
