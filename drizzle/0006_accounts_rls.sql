-- Accounts (issue 10): the app role and region row-level security.
-- Every read/write done for a person runs in scoped() (lib/db/scoped.ts): one transaction that sets
-- app.regions ('140500,360100' or '*') and does SET LOCAL ROLE ofm_app. ofm_app is not a superuser,
-- does not own the tables and has NOBYPASSRLS, so the policies below always apply to it; a query
-- without a region filter still sees only the actor's regions. The owner connection (migrations,
-- batch jobs acting as SYSTEM) keeps full access. Grants on tables and the policies for tables added
-- by later migrations are applied by ensureRegionRls() (lib/db/rls.ts) after every migration run.

-- Roles are cluster-wide: another database of the same server may have created it already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ofm_app') THEN
    CREATE ROLE ofm_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;
--> statement-breakpoint
-- SET ROLE needs membership unless the connecting user is a superuser (DATABASE_URL servers).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'ofm_app', 'MEMBER') THEN
    EXECUTE format('GRANT ofm_app TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'cannot grant ofm_app to %: ask a superuser to run GRANT ofm_app TO %', current_user, current_user;
END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO ofm_app;
--> statement-breakpoint
-- True when the region code is among the transaction's app.regions ('*' = all). Unset or empty
-- app.regions sees nothing (fail closed). A NULL code (e.g. an audit row about a sign-in) is not
-- region data. Plain SQL and STABLE so the planner inlines it into the policies.
CREATE OR REPLACE FUNCTION app_region_visible(code text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT code IS NULL
      OR string_to_array(coalesce(current_setting('app.regions', true), ''), ',') && ARRAY['*', code]
$$;
--> statement-breakpoint
-- Puts a table under region RLS on the given column (idempotent). For tables added later:
--   SELECT apply_region_rls('ind_region_month', 'region_code');
-- The policy is for PUBLIC: the owner is exempt (no FORCE), every other role is scoped.
CREATE OR REPLACE FUNCTION apply_region_rls(tbl regclass, col text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS region_scope ON %s', tbl);
  EXECUTE format(
    'CREATE POLICY region_scope ON %s USING (app_region_visible(%I::text)) WITH CHECK (app_region_visible(%I::text))',
    tbl, col, col);
END $$;
--> statement-breakpoint
SELECT apply_region_rls('settlements', 'admdvs');
--> statement-breakpoint
SELECT apply_region_rls('fee_details', 'admdvs');
--> statement-breakpoint
SELECT apply_region_rls('adjudications', 'admdvs');
--> statement-breakpoint
SELECT apply_region_rls('institutions', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('departments', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('doctors', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('insured_persons', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('alerts', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('alert_events', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('alert_whitelist', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('cases', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('case_alerts', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('case_events', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('suspensions', 'region_code');
--> statement-breakpoint
SELECT apply_region_rls('audit_log', 'region_code');
