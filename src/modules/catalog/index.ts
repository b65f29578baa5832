// The catalog: shops, categories, products, offers and their parameters. Only this module writes
// or locks those tables; what other modules and the app may use is here.
export { catalogRoutes } from './catalog.routes.js';
export { installCatalogCache, STOCK_LAG_MS } from './catalog.cache.js';
export { createCatalogService, type CatalogService } from './catalog.service.js';
export { OFFER_EXAMPLE, offerSchema, type OfferDto } from './catalog.schemas.js';
export { findOffersByIds, offerJsonOf } from './catalog.reads.js';
export { shopNamesOf } from './catalog.shops.js';
export {
  stockOf,
  stockRowsOf,
  assertSellable,
  stockToTakeRows,
  stockToTake,
  stockTaking,
  returnStock,
  type OfferStock,
  type StockToTake,
  type StockToTakeRow,
  type Wanted,
} from './catalog.stock.js';
export { IMPORT_BATCH, type ImportSummary, type Progress } from './catalog.import.js';
export type { PriceList, PriceListCategory, PriceListGood } from './catalog.writes.js';
