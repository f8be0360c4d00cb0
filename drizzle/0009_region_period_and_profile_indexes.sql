CREATE TABLE "ind_region_period" (
	"region_code" char(6) NOT NULL,
	"period_key" text NOT NULL,
	"persons" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ind_region_period_idx" ON "ind_region_period" USING btree ("region_code","period_key");--> statement-breakpoint
CREATE INDEX "ind_visits_inst_idx" ON "ind_visits" USING btree ("region_code","fixmedins_code","month");--> statement-breakpoint
CREATE INDEX "ind_visits_dr_idx" ON "ind_visits" USING btree ("region_code","dr_codg","month");