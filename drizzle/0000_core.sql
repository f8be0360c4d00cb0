CREATE TABLE "regions" (
	"code" char(6) PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"province_code" char(2) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "departments" (
	"region_code" char(6) NOT NULL,
	"fixmedins_code" text NOT NULL,
	"dept_codg" text NOT NULL,
	"dept_name" text,
	CONSTRAINT "departments_region_code_fixmedins_code_dept_codg_pk" PRIMARY KEY("region_code","fixmedins_code","dept_codg")
);
--> statement-breakpoint
CREATE TABLE "doctors" (
	"region_code" char(6) NOT NULL,
	"dr_codg" text NOT NULL,
	"dr_name" text,
	"fixmedins_code" text,
	"dept_codg" text,
	CONSTRAINT "doctors_region_code_dr_codg_pk" PRIMARY KEY("region_code","dr_codg")
);
--> statement-breakpoint
CREATE TABLE "institutions" (
	"region_code" char(6) NOT NULL,
	"fixmedins_code" text NOT NULL,
	"fixmedins_name" text NOT NULL,
	"fixmedins_type" text NOT NULL,
	"hosp_lv" smallint NOT NULL,
	"fee_class" smallint,
	"designated" boolean DEFAULT true NOT NULL,
	"annual_budget" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "institutions_region_code_fixmedins_code_pk" PRIMARY KEY("region_code","fixmedins_code")
);
--> statement-breakpoint
CREATE TABLE "insured_persons" (
	"region_code" char(6) NOT NULL,
	"psn_no" text NOT NULL,
	"psn_name" text,
	"certno" text,
	"psn_type" text NOT NULL,
	"gend" char(1),
	"brdy" date,
	"insutype" text DEFAULT '310' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "insured_persons_region_code_psn_no_pk" PRIMARY KEY("region_code","psn_no")
);
--> statement-breakpoint
CREATE TABLE "ingest_batches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"file_name" text NOT NULL,
	"file_sha256" text NOT NULL,
	"kind" text NOT NULL,
	"format" text NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"strict" integer DEFAULT 0 NOT NULL,
	"rows" integer DEFAULT 0 NOT NULL,
	"inserted" integer DEFAULT 0 NOT NULL,
	"updated" integer DEFAULT 0 NOT NULL,
	"unchanged" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"reversed" integer DEFAULT 0 NOT NULL,
	"region_codes" text[] DEFAULT '{}' NOT NULL,
	"months" text[] DEFAULT '{}' NOT NULL,
	"user_id" bigint,
	"message" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "ingest_errors" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" bigint NOT NULL,
	"file" text NOT NULL,
	"row" integer NOT NULL,
	"field" text NOT NULL,
	"message" text NOT NULL,
	"value" text,
	"raw" jsonb
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"region_prefixes" text[] NOT NULL,
	"effective_from" date NOT NULL,
	"effective_to" date,
	"document" text NOT NULL,
	"sha256" text NOT NULL,
	"body" jsonb NOT NULL,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"alert_id" bigint NOT NULL,
	"region_code" char(6) NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" bigint,
	"action" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "alert_whitelist" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"region_code" char(6) NOT NULL,
	"rule_id" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"reason" text NOT NULL,
	"expires_at" date NOT NULL,
	"created_by" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"region_code" char(6) NOT NULL,
	"rule_id" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"subject_name" text,
	"period_key" text NOT NULL,
	"period_start" date NOT NULL,
	"period_end" date NOT NULL,
	"result_type" text NOT NULL,
	"severity" text NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"value" double precision,
	"threshold" double precision,
	"peer_median" double precision,
	"percentile" double precision,
	"robust_z" double precision,
	"amount" bigint DEFAULT 0 NOT NULL,
	"explanation" text NOT NULL,
	"clause" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"policy_id" text,
	"assigned_to" bigint,
	"dismiss_reason" text,
	"case_id" bigint,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_alerts" (
	"case_id" bigint NOT NULL,
	"alert_id" bigint NOT NULL,
	"region_code" char(6) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "case_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" bigint NOT NULL,
	"region_code" char(6) NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" bigint,
	"from_stage" text,
	"to_stage" text NOT NULL,
	"comment" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"region_code" char(6) NOT NULL,
	"case_no" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"subject_name" text,
	"title" text NOT NULL,
	"stage" text DEFAULT 'filed' NOT NULL,
	"violation_amount" bigint DEFAULT 0 NOT NULL,
	"own_pay_amount" bigint DEFAULT 0 NOT NULL,
	"fraud" text DEFAULT 'no' NOT NULL,
	"penalty" jsonb,
	"recovered_amount" bigint DEFAULT 0 NOT NULL,
	"stage_deadline" date,
	"opened_by" bigint,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "suspensions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"region_code" char(6) NOT NULL,
	"psn_no" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"case_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" bigint,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text,
	"region_code" text,
	"before" jsonb,
	"after" jsonb,
	"ip" text
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"regions" text[] DEFAULT '{}' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"failed_logins" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE INDEX "institutions_code_idx" ON "institutions" USING btree ("fixmedins_code");--> statement-breakpoint
CREATE INDEX "ingest_batches_sha_idx" ON "ingest_batches" USING btree ("file_sha256");--> statement-breakpoint
CREATE INDEX "ingest_errors_batch_idx" ON "ingest_errors" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "alert_events_alert_idx" ON "alert_events" USING btree ("alert_id");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_dedup_idx" ON "alerts" USING btree ("region_code","rule_id","subject_type","subject_id","period_key");--> statement-breakpoint
CREATE INDEX "alerts_list_idx" ON "alerts" USING btree ("region_code","status","severity");--> statement-breakpoint
CREATE INDEX "alerts_rule_idx" ON "alerts" USING btree ("rule_id","period_start");--> statement-breakpoint
CREATE INDEX "case_events_case_idx" ON "case_events" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "cases_region_stage_idx" ON "cases" USING btree ("region_code","stage");--> statement-breakpoint
CREATE INDEX "suspensions_psn_idx" ON "suspensions" USING btree ("region_code","psn_no");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");