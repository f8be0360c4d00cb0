-- the reason code of an alert verdict (误报原因: reasonable_use/filed/data_error/threshold_strict/other), kept as data for rule-quality statistics
ALTER TABLE "alert_events" ADD COLUMN IF NOT EXISTS "reason_code" text;
