-- Issue 20: a day's batch adds its fee lines to their items' months (lib/indicators/refresh.ts addTo), one probe per
-- (institution, month, item), the item compared as coalesce(hilist_code, '') (a line may have none); keyed without
-- it, each probe read every item of the institution's month (a few hundred): the update took 0.49 s of a 1M-settlement
-- day's 3 s refresh, 0.19 s with it. The institution profile's reads (institution, month) use the longer key as before.
DROP INDEX IF EXISTS "ind_item_month_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "ind_item_month_idx" ON "ind_item_month" USING btree ("region_code","fixmedins_code","month",coalesce("hilist_code", ''));
