ALTER TABLE "ind_institution_month" ADD COLUMN "ln_sum" double precision;--> statement-breakpoint
ALTER TABLE "ind_institution_month" ADD COLUMN "ln_sq" double precision;