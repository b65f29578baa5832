CREATE TABLE "catalog_epoch" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "catalog_epoch_one_row" CHECK ("catalog_epoch"."id" = 1)
);
