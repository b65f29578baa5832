import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import type { OfferDto } from './catalog.schemas.js';
import { categories, offerParameters, offers, parameters, products, shops } from './catalog.tables.js';

/**
 * Offers with product, category, shop and parameters in two queries whatever their number;
 * the result keeps the order of `ids` and skips ids that do not exist.
 */
export async function findOffersByIds(db: Executor, ids: readonly number[]): Promise<OfferDto[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const [rows, params] = await Promise.all([
    db
      .select({
        id: offers.id,
        externalId: offers.externalId,
        model: offers.model,
        quantity: offers.quantity,
        price: offers.price,
        priceRrc: offers.priceRrc,
        productId: products.id,
        productName: products.name,
        categoryId: categories.id,
        categoryName: categories.name,
        shopId: shops.id,
        shopName: shops.name,
      })
      .from(offers)
      .innerJoin(products, eq(products.id, offers.productId))
      .innerJoin(categories, eq(categories.id, offers.categoryId))
      .innerJoin(shops, eq(shops.id, offers.shopId))
      .where(inArray(offers.id, unique)),
    db
      .select({ offerId: offerParameters.offerId, name: parameters.name, value: offerParameters.value })
      .from(offerParameters)
      .innerJoin(parameters, eq(parameters.id, offerParameters.parameterId))
      .where(inArray(offerParameters.offerId, unique))
      .orderBy(asc(offerParameters.offerId), asc(parameters.id)),
  ]);
  const paramsByOffer = new Map<number, { name: string; value: string }[]>();
  for (const { offerId, name, value } of params) {
    const list = paramsByOffer.get(offerId) ?? [];
    list.push({ name, value });
    paramsByOffer.set(offerId, list);
  }
  const byId = new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        external_id: r.externalId,
        model: r.model,
        product: { id: r.productId, name: r.productName, category: { id: r.categoryId, name: r.categoryName } },
        shop: { id: r.shopId, name: r.shopName },
        quantity: r.quantity,
        price: r.price,
        price_rrc: r.priceRrc,
        parameters: paramsByOffer.get(r.id) ?? [],
        images: [],
      } satisfies OfferDto,
    ]),
  );
  return ids.flatMap((id) => byId.get(id) ?? []);
}
