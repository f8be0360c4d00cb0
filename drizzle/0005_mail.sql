CREATE TABLE "mail_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"sent_id" bigint NOT NULL,
	"week" text NOT NULL,
	"user_id" bigint NOT NULL,
	"region_codes" text[] DEFAULT '{}' NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"ok" boolean NOT NULL,
	"error" text,
	"transport" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mail_sent" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"week" text NOT NULL,
	"user_id" bigint NOT NULL,
	"email" text NOT NULL,
	"region_codes" text[] DEFAULT '{}' NOT NULL,
	"status" text NOT NULL,
	"message_id" text NOT NULL,
	"subject" text NOT NULL,
	"transport" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"counts" jsonb,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mail_subscriptions" (
	"user_id" bigint PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"regions" text[] DEFAULT '{}' NOT NULL,
	"rules" text[] DEFAULT '{}' NOT NULL,
	"min_severity" text DEFAULT 'low' NOT NULL,
	"updated_by" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "mail_attempts_sent_idx" ON "mail_attempts" USING btree ("sent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mail_sent_week_user_idx" ON "mail_sent" USING btree ("week","user_id");--> statement-breakpoint
CREATE INDEX "mail_sent_status_idx" ON "mail_sent" USING btree ("status");