CREATE TABLE "import_requests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" integer NOT NULL,
	"text" text,
	"url" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "import_requests_one_source" CHECK (("import_requests"."text" is null) <> ("import_requests"."url" is null))
);
--> statement-breakpoint
CREATE TABLE "outgoing_mail" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"html" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"failed_at" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "shops_name_key";--> statement-breakpoint
ALTER TABLE "import_requests" ADD CONSTRAINT "import_requests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_requests_user_idx" ON "import_requests" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "outgoing_mail_waiting_idx" ON "outgoing_mail" USING btree ("created_at") WHERE failed_at is null;--> statement-breakpoint
-- Hand-written: shops whose names differ only in case get their id appended (the oldest keeps its
-- name), so the case-insensitive unique index below can be built on existing data.
UPDATE "shops" AS s SET "name" = s."name" || ' (' || s."id" || ')'
WHERE EXISTS (SELECT 1 FROM "shops" AS o WHERE lower(o."name") = lower(s."name") AND o."id" < s."id");--> statement-breakpoint
CREATE UNIQUE INDEX "shops_name_key" ON "shops" USING btree (lower("name"));--> statement-breakpoint
ALTER TABLE "idempotency_keys" DROP COLUMN "status";