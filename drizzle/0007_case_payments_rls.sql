-- case_payments (issue 8) carries region_code like the other case tables: the same region policy
-- (apply_region_rls, drizzle/0006_accounts_rls.sql). Idempotent; ensureRegionRls() would add it too,
-- this states it where the migration history can be read.
SELECT apply_region_rls('case_payments', 'region_code');
