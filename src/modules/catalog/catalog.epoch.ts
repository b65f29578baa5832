// The catalog epoch (see `catalogEpoch` in catalog.tables.ts): counts of live offers are reused
// while it stays the same. Bumped inside the caller's transaction, so a reader sees the new epoch
// exactly when it sees the change.
import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { catalogEpoch } from './catalog.tables.js';

export async function bumpCatalogEpoch(tx: Executor): Promise<void> {
  await tx
    .insert(catalogEpoch)
    .values({ id: 1, n: 1 })
    .onConflictDoUpdate({ target: catalogEpoch.id, set: { n: sql`${catalogEpoch.n} + 1` } });
}

/** The epoch as a subquery, read in the same statement (and snapshot) as a page or a count. */
export const currentEpoch = sql`coalesce((select ${catalogEpoch.n} from ${catalogEpoch}), 0)`;
