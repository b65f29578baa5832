// The catalog epoch (see `catalogEpoch` in catalog.tables.ts): counts of live offers are reused
// while it stays the same. Bumped inside the caller's transaction, so a reader sees the new epoch
// exactly when it sees the change.
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { catalogEpoch } from './catalog.tables.js';

/** Bumps the epoch (making its row the first time) where `when` holds, in the caller's statement. */
export const epochBumpWhere = (when: SQL) =>
  sql`insert into ${catalogEpoch} (id, n) select 1, 1 where ${when}
    on conflict (id) do update set n = ${catalogEpoch.n} + 1`;

export async function bumpCatalogEpoch(tx: Executor): Promise<void> {
  await tx.execute(epochBumpWhere(sql`true`));
}

/** The epoch as a subquery, read in the same statement (and snapshot) as a page or a count. */
export const currentEpoch = sql`coalesce((select ${catalogEpoch.n} from ${catalogEpoch}), 0)`;
