// The catalog epoch (see `catalogEpoch` in catalog.tables.ts): counts of live offers are reused
// while it stays the same. Bumped inside the caller's transaction, so a reader sees the new epoch
// exactly when it sees the change. It has two counters: what changes every list (`n`: an import, a
// shop switched on or off) and stock reaching zero or coming back (`stock_n`), which orders and
// cancels bump many times a minute and only `in_stock=true` lists see; so a list without it keeps
// its count (a full count at a million offers: 200 ms) while orders sell goods out.
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { catalogEpoch } from './catalog.tables.js';

const bumpWhere = (column: typeof catalogEpoch.n | typeof catalogEpoch.stockN, when: SQL) =>
  sql`insert into ${catalogEpoch} (id, ${sql.identifier(column.name)}) select 1, 1 where ${when}
    on conflict (id) do update set ${sql.identifier(column.name)} = ${column} + 1`;

/** Bumps the stock counter (making its row the first time) where `when` holds, in the caller's statement. */
export const stockEpochBumpWhere = (when: SQL) => bumpWhere(catalogEpoch.stockN, when);

/** After a change that can alter any list: an import, a shop switched on or off. */
export async function bumpCatalogEpoch(tx: Executor): Promise<void> {
  await tx.execute(bumpWhere(catalogEpoch.n, sql`true`));
}

/** After stock reached zero or came back. */
export async function bumpStockEpoch(tx: Executor): Promise<void> {
  await tx.execute(stockEpochBumpWhere(sql`true`));
}

/**
 * The epoch's counters as the columns `epoch` and `stockEpoch`, read in the same statement (and
 * snapshot) as a page or a count; `epochOf` makes a list's epoch of them.
 */
export const currentEpochs = sql`coalesce((select ${catalogEpoch.n} from ${catalogEpoch}), 0) as epoch,
  coalesce((select ${catalogEpoch.stockN} from ${catalogEpoch}), 0) as "stockEpoch"`;

export interface EpochColumns {
  epoch: number | string;
  stockEpoch: number | string;
}

/**
 * A list's epoch: `n`, plus `stock_n` for an `in_stock=true` list. Both only grow, so the sum moves
 * whenever either does.
 */
export const epochOf = (inStock: boolean | undefined, row: EpochColumns) =>
  Number(row.epoch) + (inStock ? Number(row.stockEpoch) : 0);
