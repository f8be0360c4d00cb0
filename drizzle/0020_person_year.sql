-- Issue 20: a person's year beside their months. TOP-FUND ranks persons by their year; grouping the year's
-- person-months for it (650k rows at 1M settlements) cost as much after one day's batch as in a full recompute.
-- Kept by the indicator refresh like the other rollups (a day's batch regroups the touched persons' years only).
CREATE TABLE IF NOT EXISTS "ind_person_year" (
	"region_code" char(6) NOT NULL,
	"year" date NOT NULL,
	"psn_no" text NOT NULL,
	"psn_type" text NOT NULL,
	"visits" integer NOT NULL,
	"total_amt" bigint NOT NULL,
	"ownpay_amt" bigint NOT NULL,
	"fund_amt" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ind_person_year_idx" ON "ind_person_year" USING btree ("region_code","year","psn_no");
--> statement-breakpoint
SELECT apply_region_rls('ind_person_year', 'region_code');
