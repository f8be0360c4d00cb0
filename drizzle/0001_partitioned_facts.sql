-- Fact tables range-partitioned by month of setl_time (Asia/Shanghai months), keyed by region first
-- so that they can be distributed by admdvs on Citus. Written by hand: drizzle-kit has no PARTITION BY.
CREATE TABLE "settlements" (
  "admdvs" char(6) NOT NULL,
  "setl_id" text NOT NULL,
  "setl_time" timestamptz NOT NULL,
  "psn_no" text NOT NULL,
  "psn_type" text NOT NULL,
  "mdtrt_id" text,
  "fixmedins_code" text NOT NULL,
  "fixmedins_type" text NOT NULL,
  "hosp_lv" smallint NOT NULL,
  "fee_class" smallint,
  "med_type" text NOT NULL,
  "insutype" text NOT NULL,
  "dise_codg" text,
  "medfee_sumamt" bigint NOT NULL,
  "inscp_scp_amt" bigint NOT NULL,
  "fulamt_ownpay_amt" bigint NOT NULL DEFAULT 0,
  "preselfpay_amt" bigint NOT NULL DEFAULT 0,
  "act_pay_dedc" bigint,
  "hifp_pay" bigint,
  "acct_pay" bigint,
  "psn_cash_pay" bigint,
  "refd_setl_flag" boolean NOT NULL DEFAULT false,
  "reversed" boolean NOT NULL DEFAULT false,
  "designated" boolean NOT NULL DEFAULT true,
  "emergency" boolean NOT NULL DEFAULT false,
  "has_card" boolean NOT NULL DEFAULT true,
  "rx_from_designated" boolean,
  "out_of_area_temporary" boolean NOT NULL DEFAULT false,
  "in_arrears" boolean NOT NULL DEFAULT false,
  "inpatient_overlap" boolean NOT NULL DEFAULT false,
  "suspended" boolean NOT NULL DEFAULT false,
  "chronic" boolean NOT NULL DEFAULT false,
  "gend" char(1),
  "brdy" date,
  "extra" jsonb,
  "row_hash" text NOT NULL,
  "batch_id" bigint,
  PRIMARY KEY ("admdvs", "setl_id", "setl_time")
) PARTITION BY RANGE ("setl_time");
--> statement-breakpoint
CREATE INDEX "settlements_setl_id_idx" ON "settlements" ("setl_id");
--> statement-breakpoint
CREATE INDEX "settlements_psn_idx" ON "settlements" ("admdvs", "psn_no", "setl_time");
--> statement-breakpoint
CREATE INDEX "settlements_inst_idx" ON "settlements" ("admdvs", "fixmedins_code", "setl_time");
--> statement-breakpoint
CREATE INDEX "settlements_time_brin" ON "settlements" USING brin ("setl_time");
--> statement-breakpoint
CREATE TABLE "fee_details" (
  "admdvs" char(6) NOT NULL,
  "feedetl_sn" text NOT NULL,
  "setl_id" text NOT NULL,
  "setl_time" timestamptz NOT NULL,
  "psn_no" text NOT NULL,
  "fixmedins_code" text NOT NULL,
  "med_chrgitm_type" text NOT NULL,
  "chrgitm_lv" text,
  "hilist_code" text,
  "hilist_name" text,
  "medins_list_codg" text,
  "cnt" numeric(16,4),
  "pric" numeric(16,4),
  "det_item_fee_sumamt" bigint NOT NULL,
  "bilg_dr_codg" text,
  "bilg_dept_codg" text,
  "medc_days" integer,
  "extra" jsonb,
  "row_hash" text NOT NULL,
  "batch_id" bigint,
  PRIMARY KEY ("admdvs", "feedetl_sn", "setl_time")
) PARTITION BY RANGE ("setl_time");
--> statement-breakpoint
CREATE INDEX "fee_details_setl_idx" ON "fee_details" ("setl_id");
--> statement-breakpoint
CREATE INDEX "fee_details_sn_idx" ON "fee_details" ("feedetl_sn");
--> statement-breakpoint
CREATE INDEX "fee_details_time_brin" ON "fee_details" USING brin ("setl_time");
--> statement-breakpoint
CREATE TABLE "adjudications" (
  "admdvs" char(6) NOT NULL,
  "setl_id" text NOT NULL,
  "setl_time" timestamptz NOT NULL,
  "psn_no" text NOT NULL,
  "policy_id" text,
  "deductible" bigint NOT NULL DEFAULT 0,
  "eligible" bigint NOT NULL DEFAULT 0,
  "rate_bp" integer NOT NULL DEFAULT 0,
  "fund_pay" bigint NOT NULL DEFAULT 0,
  "self_pay" bigint NOT NULL DEFAULT 0,
  "year_fund_paid" bigint NOT NULL DEFAULT 0,
  "year_deductible_paid" bigint NOT NULL DEFAULT 0,
  "capped" boolean NOT NULL DEFAULT false,
  "excluded" text,
  "clause" text NOT NULL DEFAULT '',
  "error" text,
  "settled_fund_pay" bigint,
  "computed_at" timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY ("admdvs", "setl_id", "setl_time")
) PARTITION BY RANGE ("setl_time");
--> statement-breakpoint
CREATE INDEX "adjudications_psn_idx" ON "adjudications" ("admdvs", "psn_no", "setl_time");
--> statement-breakpoint
CREATE INDEX "adjudications_time_brin" ON "adjudications" USING brin ("setl_time");
--> statement-breakpoint
-- Creates the monthly partitions of every fact table for each month in [from_month, to_month].
-- Month bounds are Asia/Shanghai midnights, so a partition is one local calendar month.
CREATE FUNCTION ensure_fact_partitions(from_month date, to_month date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  m date := date_trunc('month', from_month)::date;
  t text;
  part text;
  created integer := 0;
BEGIN
  WHILE m <= to_month LOOP
    FOREACH t IN ARRAY ARRAY['settlements', 'fee_details', 'adjudications'] LOOP
      part := format('%s_%s', t, to_char(m, 'YYYYMM'));
      IF to_regclass(part) IS NULL THEN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
          part, t,
          (m::timestamp AT TIME ZONE 'Asia/Shanghai'),
          ((m + interval '1 month')::timestamp AT TIME ZONE 'Asia/Shanghai'));
        created := created + 1;
      END IF;
    END LOOP;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END $$;
