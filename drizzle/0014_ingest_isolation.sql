-- Issue 24: writes as isolated as reads.
-- 1. ingest_errors keeps warnings beside the rejected rows (a row that loaded but should be looked at, e.g. a key
--    twice in one file); existing rows stay errors.
ALTER TABLE "ingest_errors" ADD COLUMN IF NOT EXISTS "severity" text DEFAULT 'error' NOT NULL;
--> statement-breakpoint
-- 2. The regions an ingest may write, enforced by Postgres on the merge path. The ingest runs on the owner
-- connection (COPY into the facts: Postgres refuses COPY FROM on an RLS table to a non-owner), so the RLS policies
-- of 0006 do not apply to it. An ingest for an uploader with limited regions sets the transaction-local
-- app.write_regions ('140500,360100'); any UPDATE or DELETE of settlements or fee_details in that transaction that
-- touches a row of another region, before or after the change, fails. Statement-level AFTER triggers with transition
-- tables: nothing on INSERT, so COPY keeps its multi-row inserts (a row-level or INSERT transition trigger on a
-- partitioned table makes COPY insert row by row). Unset or '*' (the CLI, jobs acting as SYSTEM): no restriction here.
CREATE OR REPLACE FUNCTION app_write_regions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  w text[] := string_to_array(nullif(current_setting('app.write_regions', true), ''), ',');
BEGIN
  IF w IS NULL OR '*' = ANY (w) THEN
    RETURN NULL;
  END IF;
  -- (new_rows exists for UPDATE only: its query is planned only in that branch)
  IF EXISTS (SELECT 1 FROM old_rows o WHERE NOT (o.admdvs::text = ANY (w))) THEN
    RAISE EXCEPTION '不能修改本账号权限范围以外统筹区的数据 write outside the regions of this account (%)', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT (n.admdvs::text = ANY (w))) THEN
      RAISE EXCEPTION '不能把数据改到本账号权限范围以外的统筹区 write outside the regions of this account (%)', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS settlements_write_regions_update ON settlements;
--> statement-breakpoint
CREATE TRIGGER settlements_write_regions_update AFTER UPDATE ON settlements
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_write_regions_guard();
--> statement-breakpoint
DROP TRIGGER IF EXISTS settlements_write_regions_delete ON settlements;
--> statement-breakpoint
CREATE TRIGGER settlements_write_regions_delete AFTER DELETE ON settlements
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_write_regions_guard();
--> statement-breakpoint
DROP TRIGGER IF EXISTS fee_details_write_regions_update ON fee_details;
--> statement-breakpoint
CREATE TRIGGER fee_details_write_regions_update AFTER UPDATE ON fee_details
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app_write_regions_guard();
--> statement-breakpoint
DROP TRIGGER IF EXISTS fee_details_write_regions_delete ON fee_details;
--> statement-breakpoint
CREATE TRIGGER fee_details_write_regions_delete AFTER DELETE ON fee_details
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app_write_regions_guard();
--> statement-breakpoint
-- The merge path's INSERT … SELECT from staging checks the regions it is about to write with this (the loader rejects
-- such rows before; this is the database's word on it): raises unless every code is writable; returns the codes.
CREATE OR REPLACE FUNCTION app_assert_write_regions(codes text[]) RETURNS text[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
  w text[] := string_to_array(nullif(current_setting('app.write_regions', true), ''), ',');
BEGIN
  IF w IS NOT NULL AND NOT ('*' = ANY (w)) AND NOT (coalesce(codes, '{}') <@ w) THEN
    RAISE EXCEPTION '不能写入本账号权限范围以外的统筹区 write outside the regions of this account'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN codes;
END $$;
