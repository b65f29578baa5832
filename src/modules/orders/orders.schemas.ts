import { z } from 'zod';
import { pageQuery, paginated } from '../../lib/pagination.js';
import { OFFER_EXAMPLE, offerSchema } from '../catalog/index.js';
import { addressSchema, SAMPLE_ADDRESS } from '../contacts/index.js';
import { dbId } from './cart.schemas.js';
import { PLACED_STATES } from './orders.tables.js';

export const placedState = z.enum(PLACED_STATES);

export const confirmBody = z
  .strictObject({
    contact: dbId.describe('id of one of your contacts: its address is copied into the order'),
    id: dbId.optional().describe('the cart id, if you want to be sure which cart you confirm'),
  })
  .meta({ examples: [{ contact: 3 }] });

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters (a UUID, say)')
    .optional()
    .describe(
      'Repeating a request with the same key (within 24 h) replays the first answer and creates nothing.',
    ),
});

export const orderIdBody = z.strictObject({ id: dbId }).meta({ examples: [{ id: 905 }] });
export const orderIdParams = z.object({ id: z.coerce.number().pipe(dbId) });
export const adminOrderBody = z
  .strictObject({ state: placedState })
  .meta({ examples: [{ state: 'confirmed' }] });

const CONTACT_EXAMPLE = { id: 3, ...SAMPLE_ADDRESS };
const ITEM_EXAMPLE = {
  id: 311,
  product_info: OFFER_EXAMPLE,
  quantity: 2,
  price: 110000,
  sum: 220000,
};
const ORDER_EXAMPLE = {
  id: 905,
  created: '2026-03-14T09:26:53.589Z',
  state: 'new' as const,
  contact: CONTACT_EXAMPLE,
  items: [ITEM_EXAMPLE],
  total_quantity: 2,
  total_sum: 220000,
  history: [{ state: 'new' as const, at: '2026-03-14T09:26:53.589Z' }],
};
const BUYER_EXAMPLE = { id: 42, email: 'ivan.petrov@example.com' };

/** The delivery address as copied at confirmation; `id` is the contact it came from, null once deleted. */
export const orderContactSchema = addressSchema
  .extend({ id: z.number().int().nullable() })
  .meta({ id: 'OrderContact', examples: [CONTACT_EXAMPLE] });

export const orderItemSchema = z
  .object({
    id: z.number().int(),
    product_info: offerSchema,
    quantity: z.number().int(),
    /** Frozen at confirmation. */
    price: z.number().int(),
    sum: z.number().int(),
  })
  .meta({ id: 'OrderItem', examples: [ITEM_EXAMPLE] });

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
  .meta({ id: 'Order', examples: [ORDER_EXAMPLE] });

export const orderSummarySchema = z
  .object({ ...common, total_sum: z.number().int(), total_quantity: z.number().int() })
  .meta({
    id: 'OrderSummary',
    examples: [
      {
        id: 905,
        created: '2026-03-14T09:26:53.589Z',
        state: 'new',
        total_sum: 220000,
        total_quantity: 2,
      },
    ],
  });

export const partnerOrderSchema = z
  .object({
    ...common,
    contact: orderContactSchema,
    items: z.array(orderItemSchema).describe("only this shop's lines"),
    total_quantity: z.number().int(),
    total_sum: z.number().int().describe("the sum of this shop's lines"),
  })
  .meta({
    id: 'PartnerOrder',
    examples: [
      {
        id: ORDER_EXAMPLE.id,
        created: ORDER_EXAMPLE.created,
        state: ORDER_EXAMPLE.state,
        contact: CONTACT_EXAMPLE,
        items: [ITEM_EXAMPLE],
        total_quantity: 2,
        total_sum: 220000,
      },
    ],
  });

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
  .meta({ id: 'Buyer', examples: [BUYER_EXAMPLE] });

export const staffOrderSummarySchema = z
  .object({
    ...common,
    buyer: buyerSchema,
    total_sum: z.number().int(),
    total_quantity: z.number().int(),
    shops: z.array(z.object({ id: z.number().int(), name: z.string() })),
  })
  .meta({
    id: 'StaffOrderSummary',
    examples: [
      {
        id: 905,
        created: '2026-03-14T09:26:53.589Z',
        state: 'new',
        buyer: BUYER_EXAMPLE,
        total_sum: 220000,
        total_quantity: 2,
        shops: [{ id: 3, name: 'Связной' }],
      },
    ],
  });

export const staffOrderListSchema = paginated(staffOrderSummarySchema)
  .extend({
    count_exact: z
      .boolean()
      .describe(
        'false when the filters match more than 10,000 orders: `count` is then 10,000 and the pages stop there; narrow the filters',
      ),
  })
  .meta({
    examples: [
      {
        count: 1,
        next: null,
        previous: null,
        results: [
          {
            id: 905,
            created: '2026-03-14T09:26:53.589Z',
            state: 'new',
            buyer: { id: 42, email: 'ivan.petrov@example.com' },
            total_sum: 220000,
            total_quantity: 2,
            shops: [{ id: 3, name: 'Связной' }],
          },
        ],
        count_exact: true,
      },
    ],
  });

export const staffOrderSchema = orderSchema
  .extend({
    buyer: buyerSchema,
    allowed_states: z.array(placedState).describe('the states staff may move the order to now'),
  })
  .meta({
    id: 'StaffOrder',
    examples: [
      { ...ORDER_EXAMPLE, buyer: BUYER_EXAMPLE, allowed_states: ['confirmed', 'canceled'] },
    ],
  });

export type StaffOrderQuery = z.output<typeof staffOrderQuery>;
export type StaffOrderSummaryDto = z.output<typeof staffOrderSummarySchema>;
export type StaffOrderDto = z.output<typeof staffOrderSchema>;
