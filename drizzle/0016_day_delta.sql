-- Issue 20: a day's batch is refreshed by the days it changed, not by its months.
-- ingest_batches.days: the days ('YYYY-MM-DD', Asia/Shanghai) whose visits a batch inserted, changed, moved or reversed;
-- null when a changed master row (institution, doctor) makes whole months the scope (and for batches before this).
ALTER TABLE "ingest_batches" ADD COLUMN IF NOT EXISTS "days" text[];
