import { z } from 'zod';
import { pageQuery } from '../../lib/pagination.js';
import { galleryPictureSchema } from '../media/index.js';

export const idSchema = z.number().int();

export const categorySchema = z
  .object({ id: idSchema, name: z.string() })
  .meta({ id: 'Category', examples: [{ id: 224, name: 'Смартфоны' }] });

/** An offer as the catalog answers it: the example of every answer that carries offers. */
export const OFFER_EXAMPLE = {
  id: 128,
  external_id: 4216292,
  model: 'apple/iphone/xs-max',
  product: {
    id: 57,
    name: 'Смартфон Apple iPhone XS Max 512GB (золотистый)',
    category: { id: 224, name: 'Смартфоны' },
  },
  shop: { id: 3, name: 'Связной' },
  quantity: 14,
  price: 110000,
  price_rrc: 116990,
  parameters: [
    { name: 'Диагональ (дюйм)', value: '6.5' },
    { name: 'Цвет', value: 'золотистый' },
  ],
  images: [],
};

/** An offer of one shop (`product_info` in carts and orders). */
export const offerSchema = z
  .object({
    id: idSchema,
    external_id: z.number().int(),
    model: z.string(),
    product: z.object({ id: idSchema, name: z.string(), category: categorySchema }),
    shop: z.object({ id: idSchema, name: z.string() }),
    quantity: z.number().int(),
    price: z.number().int(),
    price_rrc: z.number().int(),
    parameters: z.array(z.object({ name: z.string(), value: z.string() })),
    images: z.array(galleryPictureSchema).describe('The gallery, in order (`position` 0 first).'),
  })
  .meta({ id: 'Offer', examples: [OFFER_EXAMPLE] });

export type OfferDto = z.output<typeof offerSchema>;

/** A shop as the public catalog shows it (only shops that take orders are listed). */
export const shopSchema = z
  .object({ id: idSchema, name: z.string(), state: z.boolean() })
  .meta({ id: 'Shop', examples: [{ id: 3, name: 'Связной', state: true }] });

const MAX_ID = 2_147_483_647;
const MAX_PRICE = 2_147_483_647;

/** A query-string integer: `abc`, `1.5`, `-1` or values past the column's range are refused. */
const queryInt = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const queryId = queryInt(1, MAX_ID);

export const ORDERINGS = ['price', '-price', 'name', '-name'] as const;
export type Ordering = (typeof ORDERINGS)[number];

/**
 * A search without an `ordering` ranks its first RANKED_MATCHES matches by id (own text before
 * category matches, then ts_rank), and lists the matches after them by id. Ranking every match
 * read and ranked every matching row for each page of 20: a broad word ("красный", an eighth of
 * the catalog) cost 5.6 ms of database CPU per page at 100,000 offers and grew with the catalog.
 * Now a search alone finds them in the first blocks of ids in the text index (catalog.reads.ts,
 * SearchPath), and only a rare word's read every match: 0.3 to 0.9 ms at a million offers.
 */
export const RANKED_MATCHES = 200;

/** `GET /products/`: page, filters, search and ordering. */
export const productsQuery = pageQuery
  .extend({
    shop_id: queryId.optional().describe('Only offers of this shop.'),
    category_id: queryId.optional().describe('Only offers in this category.'),
    price_min: queryInt(0, MAX_PRICE).optional().describe('Lowest price, inclusive.'),
    price_max: queryInt(0, MAX_PRICE).optional().describe('Highest price, inclusive.'),
    in_stock: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .optional()
      .transform((v) => v === 'true')
      .describe('`true`: only offers with quantity > 0; `false` (default): any quantity.'),
    search: z
      .string()
      .trim()
      .max(200, 'must be at most 200 characters')
      .optional()
      .transform((v) => v || undefined)
      .describe(
        'Full-text search over product name, model and parameter values, with Russian and English ' +
          'stemming (`смартфоны` finds `Смартфон`, `phones` finds `phone`). Web-search syntax: ' +
          `\`"exact phrase"\`, \`-excluded\`, \`or\`. Unless \`ordering\` is given, the first ${RANKED_MATCHES} matches (by ` +
          'offer id) come first, ranked by relevance (own text before a category name, then ' +
          'ts_rank), and the matches after them follow by offer id.',
      ),
    ordering: z
      .enum(ORDERINGS, { message: `must be one of ${ORDERINGS.join(', ')}` })
      .optional()
      .describe(
        'Sort by price or product name (`-` for descending); ties by offer id. Default: relevance when ' +
          'searching (see `search`), else offer id.',
      ),
  })
  .refine(
    (q) => q.price_min === undefined || q.price_max === undefined || q.price_min <= q.price_max,
    {
      message: 'must not be below price_min',
      path: ['price_max'],
    },
  );

export type ProductsQuery = z.output<typeof productsQuery>;
export type OfferFilters = Partial<Omit<ProductsQuery, 'page' | 'page_size'>>;

export const offerIdParams = z.object({ id: queryId });
