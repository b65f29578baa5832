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
  .meta({ id: 'PriceListImport' });

export const updateQuery = z.object({
  async: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true')
    .describe('`true`: answer 202 with a job id at once and import in the background.'),
});

export const urlBody = z.strictObject({
  url: z.string().max(2000).describe('An http(s) URL of the price list; the server downloads it.'),
});

/**
 * One schema for the three ways in: JSON `{url}`, a YAML body (a string once parsed), or a
 * multipart upload, which the handler streams itself, so the validator sees no body (null).
 */
export const updateBody = z.union([
  urlBody,
  z.string().describe('The price list as YAML (format of shared/data/shop1.yaml).'),
  z.null().describe('multipart/form-data with the price list file in the field "file".'),
]);

export const jobAccepted = z.object({ job_id: z.string() }).meta({ id: 'JobAccepted' });

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
  .meta({ id: 'PriceListJob' });

export const shopStateSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  state: z.boolean(),
});
export const stateBody = z.strictObject({ state: z.boolean() });

export const partnerOrdersQuery = pageQuery.extend({ state: placedState.optional() });
