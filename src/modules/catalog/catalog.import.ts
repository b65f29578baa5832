// Applies a validated price list as the shop's whole truth, in one transaction: all or nothing.
// The partner module reads and checks the file; this writes it (catalog.writes.ts holds the SQL).
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import * as shops from './catalog.shops.js';
import { priceListImports } from './catalog.tables.js';
import { bumpCatalogEpoch } from './catalog.epoch.js';
import * as writes from './catalog.writes.js';
import type { PriceList, PriceListGood } from './catalog.writes.js';

export interface ImportSummary {
  shop: { id: number; name: string };
  categories: number;
  created: number;
  updated: number;
  withdrawn: number;
}

export type Progress = (done: number, total: number) => void;

/** Goods per batch of statements: big enough to amortise round trips, small enough to bound memory. */
export const IMPORT_BATCH = 5_000;
/** Goods read at a time while a batch is written (see readAhead): a few ms of work each. */
const READ_CHUNK = 500;

const nameTaken = (name: string) =>
  problem.shopNameTaken(`The shop name "${name}" belongs to another account; choose another name.`);

export async function importPriceList(
  db: Db,
  userId: number,
  list: PriceList,
  progress: Progress = () => {},
): Promise<ImportSummary> {
  const total = list.goodsCount;
  progress(0, total);
  try {
    return await db.transaction(async (tx) => {
      await writes.beginImport(tx, userId);
      let shop = await shops.findShopByUser(tx, userId);
      if (!shop || shop.name !== list.shop) {
        if (await shops.shopNameTakenByOther(tx, list.shop, userId)) throw nameTaken(list.shop);
        shop = shop
          ? await shops.renameShop(tx, shop.id, list.shop)
          : await shops.insertShop(tx, userId, list.shop);
      }
      const categoryOf = await writes.syncCategories(tx, shop.id, list.categories);

      let created = 0;
      let changed = 0;
      const listed: number[] = [];
      const write = async (batch: PriceListGood[]) => {
        const written = await writes.writeGoodsBatch(tx, shop!.id, batch, categoryOf);
        created += written.created;
        changed += written.updated;
        for (const g of batch) listed.push(g.id);
        progress(listed.length, total);
      };
      let batch: PriceListGood[] = [];
      const chunks = list.goods(READ_CHUNK);
      for await (const chunk of readAhead(chunks, IMPORT_BATCH / READ_CHUNK)) {
        batch.push(...chunk);
        if (batch.length < IMPORT_BATCH) continue;
        await write(batch);
        batch = [];
      }
      if (batch.length > 0) await write(batch);
      const withdrawn = await writes.withdrawMissing(tx, shop.id, listed);
      // Offers added, changed or withdrawn can change any list's count; nothing else here can.
      if (created + changed + withdrawn > 0) await bumpCatalogEpoch(tx);
      await tx.insert(priceListImports).values({
        shopId: shop.id,
        goods: listed.length,
        created,
        updated: changed,
        withdrawn,
      });
      return {
        shop: { id: shop.id, name: shop.name },
        categories: list.categories.length,
        created,
        updated: changed,
        withdrawn,
      };
    });
  } catch (err) {
    // Two accounts racing for one new name: the unique index decides, the loser gets the 409.
    if (uniqueViolation(err, 'shops_name_key')) throw nameTaken(list.shop);
    throw err;
  }
}

/**
 * Reads `source` ahead of its consumer, one item per turn of the event loop and at most `ahead`
 * items before it: reading a price list is CPU work in this process, writing it mostly waits on
 * PostgreSQL, so on two cores they overlap, and the replies of the writes are never held up by
 * more than one item's reading. A failed read (a wrong good: the list's 400) is thrown once the
 * items read before it are consumed.
 */
export async function* readAhead<T>(source: Iterable<T>, ahead: number): AsyncGenerator<T> {
  const it = source[Symbol.iterator]();
  const queue: T[] = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let scheduled = false;
  let wake = () => {};
  const readOne = () => {
    scheduled = false;
    if (ended || failure || queue.length >= ahead) return;
    try {
      const next = it.next();
      if (next.done) ended = true;
      else queue.push(next.value);
    } catch (error) {
      failure = { error };
    }
    wake();
    schedule();
  };
  const schedule = () => {
    if (scheduled || ended || failure || queue.length >= ahead) return;
    scheduled = true;
    setImmediate(readOne);
  };
  try {
    for (;;) {
      schedule();
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // The import stopped (a failed write): read no further.
    ended = true;
  }
}

function uniqueViolation(err: unknown, constraint: string): boolean {
  for (
    let e = err as { code?: string; constraint?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === '23505' && (e.constraint === constraint || String(e).includes(constraint)))
      return true;
  }
  return false;
}
