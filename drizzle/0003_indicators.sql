CREATE TABLE "ind_doctor_month" (
	"region_code" char(6) NOT NULL,
	"month" date NOT NULL,
	"dr_codg" text NOT NULL,
	"fixmedins_code" text NOT NULL,
	"peer_key" text NOT NULL,
	"visits" integer NOT NULL,
	"persons" integer NOT NULL,
	"total_amt" bigint NOT NULL,
	"ownpay_amt" bigint NOT NULL,
	"fund_amt" bigint NOT NULL,
	"exam_amt" bigint NOT NULL,
	"drug_amt" bigint NOT NULL,
	"per_visit" double precision,
	"per_capita" double precision,
	"selfpay_ratio" double precision,
	"ownpay_ratio" double precision,
	"exam_share" double precision,
	"drug_share" double precision,
	"fund_share" double precision,
	"rx_count" integer NOT NULL,
	"rx_amt" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ind_institution_month" (
	"region_code" char(6) NOT NULL,
	"month" date NOT NULL,
	"fixmedins_code" text NOT NULL,
	"fixmedins_type" text NOT NULL,
	"hosp_lv" smallint NOT NULL,
	"fee_class" smallint,
	"peer_key" text NOT NULL,
	"visits" integer NOT NULL,
	"persons" integer NOT NULL,
	"total_amt" bigint NOT NULL,
	"ownpay_amt" bigint NOT NULL,
	"fund_amt" bigint NOT NULL,
	"exam_amt" bigint NOT NULL,
	"drug_amt" bigint NOT NULL,
	"per_visit" double precision,
	"per_capita" double precision,
	"selfpay_ratio" double precision,
	"ownpay_ratio" double precision,
	"exam_share" double precision,
	"drug_share" double precision,
	"fund_share" double precision,
	"per_visit_mom" double precision,
	"per_visit_yoy" double precision,
	"visits_mom" double precision,
	"annual_budget" bigint,
	"fund_ytd" bigint,
	"budget_use" double precision
);
--> statement-breakpoint
CREATE TABLE "ind_institution_week" (
	"region_code" char(6) NOT NULL,
	"week" date NOT NULL,
	"fixmedins_code" text NOT NULL,
	"visits" integer NOT NULL,
	"persons" integer NOT NULL,
	"total_amt" bigint NOT NULL,
	"fund_amt" bigint NOT NULL,
	"per_visit" double precision
);
--> statement-breakpoint
CREATE TABLE "ind_person_month" (
	"region_code" char(6) NOT NULL,
	"month" date NOT NULL,
	"psn_no" text NOT NULL,
	"psn_type" text NOT NULL,
	"visits" integer NOT NULL,
	"institutions" integer NOT NULL,
	"total_amt" bigint NOT NULL,
	"ownpay_amt" bigint NOT NULL,
	"fund_amt" bigint NOT NULL,
	"exam_amt" bigint NOT NULL,
	"drug_amt" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ind_region_month" (
	"region_code" char(6) NOT NULL,
	"month" date NOT NULL,
	"visits" integer NOT NULL,
	"persons" integer NOT NULL,
	"total_amt" bigint NOT NULL,
	"ownpay_amt" bigint NOT NULL,
	"fund_amt" bigint NOT NULL,
	"exam_amt" bigint NOT NULL,
	"drug_amt" bigint NOT NULL,
	"per_visit" double precision,
	"per_capita" double precision,
	"selfpay_ratio" double precision,
	"ownpay_ratio" double precision,
	"exam_share" double precision,
	"drug_share" double precision,
	"fund_share" double precision,
	"institutions" integer NOT NULL,
	"per_visit_mom" double precision,
	"per_visit_yoy" double precision
);
--> statement-breakpoint
CREATE TABLE "ind_visits" (
	"region_code" char(6) NOT NULL,
	"month" date NOT NULL,
	"setl_id" text NOT NULL,
	"setl_time" timestamp with time zone NOT NULL,
	"psn_no" text NOT NULL,
	"psn_type" text NOT NULL,
	"fixmedins_code" text NOT NULL,
	"fixmedins_type" text NOT NULL,
	"hosp_lv" smallint NOT NULL,
	"fee_class" smallint,
	"inst_city" char(6) NOT NULL,
	"med_type" text NOT NULL,
	"chronic" boolean NOT NULL,
	"dr_codg" text,
	"medfee" bigint NOT NULL,
	"ownpay" bigint NOT NULL,
	"inscp" bigint NOT NULL,
	"fund" bigint NOT NULL,
	"exam_amt" bigint NOT NULL,
	"drug_amt" bigint NOT NULL,
	"n_lines" integer NOT NULL,
	"n_exam_lines" integer NOT NULL,
	"n_drug_lines" integer NOT NULL,
	"max_days" integer,
	"flags" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recompute_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"full" boolean NOT NULL,
	"months" text[] NOT NULL,
	"region_codes" text[] NOT NULL,
	"last_batch_id" bigint,
	"alerts_upserted" integer DEFAULT 0 NOT NULL,
	"ms" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ind_doctor_month_idx" ON "ind_doctor_month" USING btree ("region_code","month","dr_codg");--> statement-breakpoint
CREATE INDEX "ind_inst_month_idx" ON "ind_institution_month" USING btree ("region_code","month","fixmedins_code");--> statement-breakpoint
CREATE INDEX "ind_inst_week_idx" ON "ind_institution_week" USING btree ("region_code","week","fixmedins_code");--> statement-breakpoint
CREATE INDEX "ind_person_month_idx" ON "ind_person_month" USING btree ("region_code","month","psn_no");--> statement-breakpoint
CREATE INDEX "ind_region_month_idx" ON "ind_region_month" USING btree ("region_code","month");--> statement-breakpoint
CREATE INDEX "ind_visits_rm_idx" ON "ind_visits" USING btree ("region_code","month");--> statement-breakpoint
CREATE INDEX "ind_visits_psn_idx" ON "ind_visits" USING btree ("region_code","psn_no","setl_time");