-- Issue 20: the overview's alert panels (by rule, by status, the riskiest subjects) read the alerts of a region's
-- period; without an index on the period they scanned every alert of every period (12k at 1M settlements, ~10x at 10M).
CREATE INDEX IF NOT EXISTS "alerts_period_idx" ON "alerts" USING btree ("region_code","period_start");
