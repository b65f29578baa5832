DROP INDEX "offers_live_search_idx";--> statement-breakpoint
CREATE INDEX "offers_live_search_idx" ON "offers" USING gin ("search_vector",(array["id" >> 12])) WHERE not withdrawn;