CREATE TABLE "case_payments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"case_id" bigint NOT NULL,
	"region_code" char(6) NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint NOT NULL,
	"paid_on" date NOT NULL,
	"comment" text,
	"user_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "notice_date" date;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "statement_deadline" date;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "decision_due" date;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "payment_due" date;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "penalty_total" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "legal_review_required" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "case_payments_case_idx" ON "case_payments" USING btree ("case_id");