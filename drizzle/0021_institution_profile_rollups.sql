-- Issue 20 (6): the institution profile reads rollups, not the visits. At 10M settlements the largest institution's
-- profile read its ~100k visits of two months four times (structure, diagnoses, prescription days, costliest claims):
-- p95 1.7 s. The structure now comes from ind_institution_month, the prescription-day buckets are counted there, the
-- diagnoses get a rollup of their own, and the costliest claims are the top of an index that ends in the visit cost.
ALTER TABLE "ind_institution_month" ADD COLUMN IF NOT EXISTS "rx_days_7" integer NOT NULL DEFAULT 0;--> statement-breakpoint
ALTER TABLE "ind_institution_month" ADD COLUMN IF NOT EXISTS "rx_days_14" integer NOT NULL DEFAULT 0;--> statement-breakpoint
ALTER TABLE "ind_institution_month" ADD COLUMN IF NOT EXISTS "rx_days_30" integer NOT NULL DEFAULT 0;--> statement-breakpoint
ALTER TABLE "ind_institution_month" ADD COLUMN IF NOT EXISTS "rx_days_60" integer NOT NULL DEFAULT 0;--> statement-breakpoint
ALTER TABLE "ind_institution_month" ADD COLUMN IF NOT EXISTS "rx_days_90" integer NOT NULL DEFAULT 0;--> statement-breakpoint
ALTER TABLE "ind_institution_month" ADD COLUMN IF NOT EXISTS "rx_days_over" integer NOT NULL DEFAULT 0;--> statement-breakpoint
UPDATE "ind_institution_month" t SET "rx_days_7" = v.d7, "rx_days_14" = v.d14, "rx_days_30" = v.d30, "rx_days_60" = v.d60, "rx_days_90" = v.d90, "rx_days_over" = v.dover
FROM (
  SELECT region_code, month, fixmedins_code,
    count(*) FILTER (WHERE max_days <= 7)::int AS d7, count(*) FILTER (WHERE max_days > 7 AND max_days <= 14)::int AS d14,
    count(*) FILTER (WHERE max_days > 14 AND max_days <= 30)::int AS d30, count(*) FILTER (WHERE max_days > 30 AND max_days <= 60)::int AS d60,
    count(*) FILTER (WHERE max_days > 60 AND max_days <= 90)::int AS d90, count(*) FILTER (WHERE max_days > 90)::int AS dover
  FROM "ind_visits" WHERE n_drug_lines > 0 AND max_days IS NOT NULL GROUP BY 1, 2, 3
) v
WHERE t.region_code = v.region_code AND t.month = v.month AND t.fixmedins_code = v.fixmedins_code;
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "ind_dx_month" (
	"region_code" char(6) NOT NULL,
	"month" date NOT NULL,
	"fixmedins_code" text NOT NULL,
	"dise_codg" text,
	"visits" integer NOT NULL,
	"amount" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "ind_dx_month" (region_code, month, fixmedins_code, dise_codg, visits, amount)
SELECT region_code, month, fixmedins_code, dise_codg, count(*)::int, sum(medfee) FROM "ind_visits" GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ind_dx_month_idx" ON "ind_dx_month" USING btree ("region_code","fixmedins_code","month");
--> statement-breakpoint
SELECT apply_region_rls('ind_dx_month', 'region_code');
--> statement-breakpoint
DROP INDEX IF EXISTS "ind_visits_inst_idx";
--> statement-breakpoint
CREATE INDEX "ind_visits_inst_idx" ON "ind_visits" USING btree ("region_code","fixmedins_code","month","medfee");
