ALTER TABLE "ind_visits" ADD COLUMN "dise_codg" text;--> statement-breakpoint
-- existing rows: the diagnosis from their settlements (a recompute would write the same)
UPDATE "ind_visits" v SET "dise_codg" = s."dise_codg" FROM "settlements" s
WHERE s."admdvs" = v."region_code" AND s."setl_id" = v."setl_id" AND s."setl_time" = v."setl_time" AND s."dise_codg" IS NOT NULL;
