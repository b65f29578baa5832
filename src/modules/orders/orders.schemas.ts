import { z } from 'zod';
import { pageQuery, paginated } from '../../lib/pagination.js';
import { offerSchema } from '../catalog/index.js';
import { addressSchema } from '../contacts/index.js';
import { dbId } from './cart.schemas.js';
import { PLACED_STATES } from './orders.tables.js';

export const placedState = z.enum(PLACED_STATES);

export const confirmBody = z.strictObject({
  contact: dbId.describe('id of one of your contacts: its address is copied into the order'),
  id: dbId.optional().describe('the cart id, if you want to be sure which cart you confirm'),
});

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters (a UUID, say)')
    .optional()
    .describe(
      'Repeating a request with the same key (within 24 h) replays the first answer and creates nothing.',
    ),
});

export const orderIdBody = z.strictObject({ id: dbId });
export const orderIdParams = z.object({ id: z.coerce.number().pipe(dbId) });
export const adminOrderBody = z.strictObject({ state: placedState });

/** The delivery address as copied at confirmation; `id` is the contact it came from, null once deleted. */
export const orderContactSchema = addressSchema
  .extend({ id: z.number().int().nullable() })
  .meta({ id: 'OrderContact' });

export const orderItemSchema = z
  .object({
    id: z.number().int(),
    product_info: offerSchema,
    quantity: z.number().int(),
    /** Frozen at confirmation. */
    price: z.number().int(),
    sum: z.number().int(),
  })
  .meta({ id: 'OrderItem' });

const common = {
  id: z.number().int(),
  created: z.string().describe('when the order was confirmed (ISO 8601 UTC)'),
  state: placedState,
};

export const orderSchema = z
  .object({
    ...common,
    contact: orderContactSchema,
    items: z.array(orderItemSchema),
    total_quantity: z.number().int(),
    total_sum: z.number().int(),
    history: z.array(z.object({ state: placedState, at: z.string() })),
  })
  .meta({ id: 'Order' });

export const orderSummarySchema = z
  .object({ ...common, total_sum: z.number().int(), total_quantity: z.number().int() })
  .meta({ id: 'OrderSummary' });

export const partnerOrderSchema = z
  .object({
    ...common,
    contact: orderContactSchema,
    items: z.array(orderItemSchema).describe("only this shop's lines"),
    total_quantity: z.number().int(),
    total_sum: z.number().int().describe("the sum of this shop's lines"),
  })
  .meta({ id: 'PartnerOrder' });

export type OrderDto = z.output<typeof orderSchema>;
export type PartnerOrderDto = z.output<typeof partnerOrderSchema>;
export type ConfirmInput = z.output<typeof confirmBody>;
export type PlacedState = z.output<typeof placedState>;

// ---- The staff's view (GET /api/admin/orders/ and the console).

const dateOrTime = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    message: 'must be a date (2026-01-31) or a date and time (2026-01-31T12:00:00Z)',
  })
  .transform((v) => ({
    at: new Date(v.length === 10 ? `${v}T00:00:00Z` : v),
    dateOnly: v.length === 10,
  }));

export const staffOrderQuery = pageQuery.extend({
  state: placedState.optional(),
  shop_id: z.coerce.number().pipe(dbId).optional().describe('orders holding goods of this shop'),
  q: z
    .string()
    .trim()
    .max(254, 'must be at most 254 characters')
    .optional()
    .describe("an order id, or the buyer's whole email address (case does not matter)"),
  created_from: dateOrTime
    .optional()
    .describe('placed at or after this time (a date: its start, UTC)'),
  created_to: dateOrTime
    .optional()
    .describe('placed before this time; a date counts its whole day (UTC)'),
});

export const buyerSchema = z
  .object({ id: z.number().int(), email: z.string() })
  .meta({ id: 'Buyer' });

export const staffOrderSummarySchema = z
  .object({
    ...common,
    buyer: buyerSchema,
    total_sum: z.number().int(),
    total_quantity: z.number().int(),
    shops: z.array(z.object({ id: z.number().int(), name: z.string() })),
  })
  .meta({ id: 'StaffOrderSummary' });

export const staffOrderListSchema = paginated(staffOrderSummarySchema).extend({
  count_exact: z
    .boolean()
    .describe(
      'false when the filters match more than 10,000 orders: `count` is then 10,000 and the pages stop there; narrow the filters',
    ),
});

export const staffOrderSchema = orderSchema
  .extend({
    buyer: buyerSchema,
    allowed_states: z.array(placedState).describe('the states staff may move the order to now'),
  })
  .meta({ id: 'StaffOrder' });

export type StaffOrderQuery = z.output<typeof staffOrderQuery>;
export type StaffOrderSummaryDto = z.output<typeof staffOrderSummarySchema>;
export type StaffOrderDto = z.output<typeof staffOrderSchema>;
