// Applies a price list as the shop's whole truth, in one transaction: all or nothing. The partner
// module reads and checks the file, its goods as this asks for them; this writes it
// (catalog.writes.ts holds the SQL).
import type { Db, Executor } from '../../platform/db/client.js';
import { readAhead } from '../../lib/read-ahead.js';
import { problem } from '../../platform/problems.js';
import * as shops from './catalog.shops.js';
import { priceListImports } from './catalog.tables.js';
import { bumpCatalogEpoch } from './catalog.epoch.js';
import * as writes from './catalog.writes.js';
import type { PriceList, PriceListGood, ShopOffers } from './catalog.writes.js';

export interface ImportSummary {
  shop: { id: number; name: string };
  categories: number;
  created: number;
  updated: number;
  withdrawn: number;
}

export type Progress = (done: number, total: number) => void;

/**
 * Goods per batch of statements: big enough to amortise round trips, small enough to bound memory.
 * Measured on 100,000 goods against 5,000: the goods a batch holds outlive the young generation's
 * collections, so smaller batches cost less GC (an unchanged re-import 2.0-2.1 → 1.9-2.0 s; a
 * first import no slower); 1,000 is slower again (more statements).
 */
export const IMPORT_BATCH = 2_500;
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
      // A shop this import makes has no offers: nothing to compare its goods with or to withdraw.
      const offers: ShopOffers = shop ? 'some' : 'none';
      if (!shop || shop.name !== list.shop) {
        if (await shops.shopNameTakenByOther(tx, list.shop, userId)) throw nameTaken(list.shop);
        shop = shop
          ? await shops.renameShop(tx, shop.id, list.shop)
          : await shops.insertShop(tx, userId, list.shop);
      }
      const categoryOf = await writes.syncCategories(tx, shop.id, list.categories);

      const {
        created,
        updated: changed,
        listed,
      } = await writeGoods(tx, shop.id, offers, list, categoryOf, progress);
      const withdrawn = offers === 'none' ? 0 : await writes.withdrawMissing(tx, shop.id, listed);
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
 * Writes the list's goods in batches, reading ahead; returns the changes and the ids listed. A
 * batch is prepared (digests, array texts: this process's CPU) while the one before it is written
 * (PostgreSQL's), so neither waits for the other.
 */
async function writeGoods(
  tx: Executor,
  shopId: number,
  offers: ShopOffers,
  list: PriceList,
  categoryOf: Map<number, number>,
  progress: Progress,
) {
  const result = { created: 0, updated: 0, listed: [] as number[] };
  const write = async (batch: writes.PreparedBatch) => {
    const written = await writes.writeGoodsBatch(tx, shopId, batch);
    result.created += written.created;
    result.updated += written.updated;
    for (const g of batch.goods) result.listed.push(g.id);
    progress(result.listed.length, list.goodsCount);
  };
  let writing: Promise<void> = Promise.resolve();
  const writeNext = async (goods: PriceListGood[]) => {
    const batch = writes.prepareBatch(goods, categoryOf, offers);
    await writing;
    writing = write(batch);
    // Awaited before the next batch or at the end; until then a failure must not go unhandled.
    writing.catch(() => {});
  };
  try {
    let goods: PriceListGood[] = [];
    for await (const chunk of readAhead(list.goods(READ_CHUNK), IMPORT_BATCH / READ_CHUNK)) {
      goods.push(...chunk);
      if (goods.length < IMPORT_BATCH) continue;
      await writeNext(goods);
      goods = [];
    }
    if (goods.length > 0) await writeNext(goods);
  } finally {
    // A wrong good ends the reading while a batch may still be on its way: the transaction
    // rolls back after that write has its answer.
    await writing.catch(() => {});
  }
  await writing;
  return result;
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
