// The staff's reads of shops: every shop (on or off) with its owner account, live offers and the
// last imports of its price list.
import { asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import { offers, priceListImports, shops } from './catalog.tables.js';

const shopColumns = {
  id: shops.id,
  name: shops.name,
  state: shops.state,
  userId: shops.userId,
  createdAt: shops.createdAt,
};

/** How many of its last imports each shop shows. */
const LAST_IMPORTS = 3;

export function createStaffShops(db: Db) {
  async function offerCounts(ids: number[]) {
    if (ids.length === 0) return new Map<number, number>();
    // Index-only over offers_live_shop_idx: one entry per live offer of these shops.
    const rows = await db
      .select({ shopId: offers.shopId, n: count() })
      .from(offers)
      .where(sql`${inArray(offers.shopId, ids)} and not ${offers.withdrawn}`)
      .groupBy(offers.shopId);
    return new Map(rows.map((r) => [r.shopId, r.n]));
  }

  async function lastImports(ids: number[]) {
    if (ids.length === 0) return new Map<number, (typeof priceListImports.$inferSelect)[]>();
    const ranked = db
      .select({
        id: priceListImports.id,
        shopId: priceListImports.shopId,
        at: priceListImports.at,
        goods: priceListImports.goods,
        created: priceListImports.created,
        updated: priceListImports.updated,
        withdrawn: priceListImports.withdrawn,
        rank: sql<number>`row_number() over (partition by ${priceListImports.shopId} order by ${priceListImports.id} desc)`.as(
          'rank',
        ),
      })
      .from(priceListImports)
      .where(inArray(priceListImports.shopId, ids))
      .as('ranked');
    const rows = await db
      .select({
        id: ranked.id,
        shopId: ranked.shopId,
        at: ranked.at,
        goods: ranked.goods,
        created: ranked.created,
        updated: ranked.updated,
        withdrawn: ranked.withdrawn,
      })
      .from(ranked)
      .where(sql`${ranked.rank} <= ${LAST_IMPORTS}`)
      .orderBy(desc(ranked.id));
    const byShop = new Map<number, typeof rows>();
    for (const r of rows) byShop.set(r.shopId, [...(byShop.get(r.shopId) ?? []), r]);
    return byShop;
  }

  return {
    /** A page of every shop by name, each with its live offers and last imports. */
    async list(limit: number, offset: number) {
      const [rows, [total]] = await Promise.all([
        db
          .select(shopColumns)
          .from(shops)
          .orderBy(asc(shops.name), asc(shops.id))
          .limit(limit)
          .offset(offset),
        db.select({ n: count() }).from(shops),
      ]);
      const ids = rows.map((r) => r.id);
      const [counts, imports] = await Promise.all([offerCounts(ids), lastImports(ids)]);
      return {
        count: total!.n,
        results: rows.map((r) => ({
          ...r,
          offers: counts.get(r.id) ?? 0,
          imports: imports.get(r.id) ?? [],
        })),
      };
    },

    async get(id: number) {
      const [row] = await db.select(shopColumns).from(shops).where(eq(shops.id, id));
      if (!row) throw problem.notFound(`Shop ${id} not found.`);
      return row;
    },

    /** Every shop, and those taking orders. */
    async counts() {
      const [row] = await db
        .select({ all: count(), open: sql<number>`count(*) filter (where ${shops.state})::int` })
        .from(shops);
      return { all: row!.all, open: row!.open };
    },
  };
}
