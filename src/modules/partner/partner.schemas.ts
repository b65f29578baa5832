import { z } from 'zod';
import { pageQuery } from '../../lib/pagination.js';
import { placedState } from '../orders/index.js';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

export const shopRef = z.object({ id: z.number().int(), name: z.string() });

export const importSummarySchema = z
  .object({
    shop: shopRef,
    categories: z.number().int().describe('Categories in the price list.'),
    created: z.number().int().describe('Offers new to this shop.'),
    updated: z
      .number()
      .int()
      .describe('Offers whose data really changed (restored ones included).'),
    withdrawn: z
      .number()
      .int()
      .describe('Offers missing from the price list, now hidden from sale.'),
  })
  .meta({
    id: 'PriceListImport',
    examples: [
      { shop: { id: 3, name: 'Связной' }, categories: 4, created: 12, updated: 2, withdrawn: 1 },
    ],
  });

export const updateQuery = z.object({
  async: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true')
    .describe('`true`: answer 202 with a job id at once and import in the background.'),
});

export const urlBody = z
  .strictObject({
    url: z
      .string()
      .max(2000)
      .describe('An http(s) URL of the price list; the server downloads it.'),
  })
  .meta({ examples: [{ url: 'https://svyaznoy.example.ru/price-lists/shop1.yaml' }] });

/**
 * One schema for the three ways in: JSON `{url}`, a YAML body (a string once parsed), or a
 * multipart upload, which the handler streams itself, so the validator sees no body (null).
 */
export const updateBody = z.union([
  urlBody,
  // A YAML body arrives as its bytes (partner.routes.ts); the document shows it under x-bodies.
  z
    .custom<Buffer>((v) => Buffer.isBuffer(v))
    .describe('The price list as YAML (format of shared/data/shop1.yaml).'),
  z.null().describe('multipart/form-data with the price list file in the field "file".'),
]);

const SAMPLE_PRICE_LIST = `shop: Связной
categories:
  - id: 224
    name: Смартфоны
goods:
  - id: 4216292
    category: 224
    model: apple/iphone/xs-max
    name: Смартфон Apple iPhone XS Max 512GB (золотистый)
    price: 110000
    price_rrc: 116990
    quantity: 14
    parameters:
      "Диагональ (дюйм)": 6.5
      "Цвет": золотистый
`;

/** A price list as YAML text: a raw body, or what the export answers. */
export const priceListText = z
  .string()
  .describe('The price list in YAML: `shop`, `categories` and `goods` (see shop1.yaml).')
  .meta({ examples: [SAMPLE_PRICE_LIST] });

/** The multipart form of an upload, for the document (the handler streams the file itself). */
export const priceListForm = z.object({
  file: z
    .string()
    .meta({ format: 'binary', contentMediaType: 'application/yaml' })
    .describe('The price list file (YAML), at most PRICE_LIST_MAX_MB.'),
});

export const jobAccepted = z.object({ job_id: z.string() }).meta({
  id: 'JobAccepted',
  examples: [{ job_id: 'import-0d9f7c2e-51b4-4c8a-a6e3-9b2f14d7c085' }],
});

export const jobParams = z.object({ id: z.string().min(1).max(100) });

export const jobStatusSchema = z
  .object({
    id: z.string(),
    state: z.enum(['waiting', 'active', 'completed', 'failed']),
    progress: z
      .object({ done: z.number().int(), total: z.number().int() })
      .nullable()
      .describe('Goods processed of total.'),
    result: importSummarySchema.nullable(),
    detail: z.string().nullable().describe('Why the import failed.'),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).nullable(),
  })
  .meta({
    id: 'PriceListJob',
    examples: [
      {
        id: 'import-0d9f7c2e-51b4-4c8a-a6e3-9b2f14d7c085',
        state: 'completed',
        progress: { done: 14, total: 14 },
        result: {
          shop: { id: 3, name: 'Связной' },
          categories: 4,
          created: 12,
          updated: 2,
          withdrawn: 0,
        },
        detail: null,
        errors: null,
      },
    ],
  });

export const shopStateSchema = z
  .object({ id: z.number().int(), name: z.string(), state: z.boolean() })
  .meta({ examples: [{ id: 3, name: 'Связной', state: true }] });
export const stateBody = z
  .strictObject({ state: z.boolean() })
  .meta({ examples: [{ state: false }] });

export const partnerOrdersQuery = pageQuery.extend({ state: placedState.optional() });
