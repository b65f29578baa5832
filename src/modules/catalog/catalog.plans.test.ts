// Hot statements keep one plan per connection (PostgreSQL only: PGlite prepares nothing by name).
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { isPostgres, openTestDatabase } from '../../../test/harness.js';
import { offersJsonByIds } from './catalog.reads.js';

describe.skipIf(!isPostgres)('plans of hot statements', () => {
  it('offers as JSON for fewer ids than a generic plan assumes: planned once, not per call', async () => {
    const database = await openTestDatabase(1);
    try {
      await database.db.transaction(async (tx) => {
        for (let call = 0; call < 8; call++) await offersJsonByIds(tx, [1, 2, 3]);
        const { rows } = await tx.execute<{ generic_plans: string; custom_plans: string }>(
          sql`select generic_plans, custom_plans from pg_prepared_statements
              where name = 'catalog_offers_json'`,
        );
        // PostgreSQL always makes the first five plans for the values given, then compares.
        expect(rows.map((r) => [Number(r.custom_plans), Number(r.generic_plans)])).toEqual([
          [5, 3],
        ]);
      });
    } finally {
      await database.close();
    }
  });
});
