ALTER TABLE "offers" ADD COLUMN "parameters" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
-- Written by hand: the parameters move onto their offer in the order the API showed them before.
UPDATE "offers" o SET "parameters" = p.list
FROM (
  SELECT op."offer_id", jsonb_agg(jsonb_build_object('name', pa."name", 'value', op."value") ORDER BY pa."id") AS list
  FROM "offer_parameters" op JOIN "parameters" pa ON pa."id" = op."parameter_id"
  GROUP BY op."offer_id"
) p
WHERE p."offer_id" = o."id";--> statement-breakpoint
DROP TABLE "offer_parameters" CASCADE;--> statement-breakpoint
DROP TABLE "parameters" CASCADE;
