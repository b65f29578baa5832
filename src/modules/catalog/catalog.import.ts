// Applies a validated price list as the shop's whole truth, in one transaction: all or nothing.
// The partner module reads and checks the file; this writes it (catalog.writes.ts holds the SQL).
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import * as shops from './catalog.shops.js';
import { priceListImports } from './catalog.tables.js';
import { bumpCatalogEpoch } from './catalog.epoch.js';
import * as writes from './catalog.writes.js';
import type { PriceList } from './catalog.writes.js';

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
      for (const batch of list.goods(IMPORT_BATCH)) {
        const written = await writes.writeGoodsBatch(tx, shop.id, batch, categoryOf);
        created += written.created;
        changed += written.updated;
        for (const g of batch) listed.push(g.id);
        progress(listed.length, total);
      }
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
