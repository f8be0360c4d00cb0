-- Issue 20: a day's batch is refreshed by the days it changed, not by its months.
-- ingest_batches.days: the days ('YYYY-MM-DD', Asia/Shanghai) whose visits a batch inserted, changed, moved or reversed;
-- null when a changed master row (institution, doctor) makes whole months the scope (and for batches before this).
ALTER TABLE "ingest_batches" ADD COLUMN IF NOT EXISTS "days" text[];
--> statement-breakpoint
-- The data version: bumped after a batch's pipeline or a recompute has committed (lib/dashboard/cache.ts). Pages whose
-- data changes only then (the overview) are cached per (region set, parameters, version); alert verdicts are part of
-- the version through alert_events. Not transactional, and read only after the commit it follows.
CREATE SEQUENCE IF NOT EXISTS "ofm_data_version";
