CREATE TABLE "ind_item_month" (
	"region_code" char(6) NOT NULL,
	"month" date NOT NULL,
	"fixmedins_code" text NOT NULL,
	"hilist_code" text,
	"hilist_name" text,
	"med_chrgitm_type" text,
	"amount" bigint NOT NULL,
	"lines" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ind_item_month_idx" ON "ind_item_month" USING btree ("region_code","fixmedins_code","month");