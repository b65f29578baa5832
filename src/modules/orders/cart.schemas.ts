import { z } from 'zod';
import { OFFER_EXAMPLE, offerSchema } from '../catalog/index.js';

export const dbId = z
  .number()
  .int()
  .min(1, 'must be a positive id')
  .max(2_147_483_647, 'is not a known id');
/** Per line and request; far above any real order, far below integer overflow when merged. */
export const MAX_LINE_QUANTITY = 1_000_000;
export const lineQuantity = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_LINE_QUANTITY, `must be at most ${MAX_LINE_QUANTITY}`);

export const addToCartBody = z
  .strictObject({
    items: z
      .array(z.strictObject({ product_info: dbId, quantity: lineQuantity }))
      .min(1, 'name at least one offer')
      .max(100),
  })
  .meta({ examples: [{ items: [{ product_info: 128, quantity: 2 }] }] });

export const updateCartBody = z
  .strictObject({
    items: z
      .array(z.strictObject({ id: dbId, quantity: lineQuantity }))
      .min(1, 'name at least one cart item')
      .max(100),
  })
  .meta({ examples: [{ items: [{ id: 311, quantity: 3 }] }] });

export const removeFromCartBody = z
  .strictObject({
    items: z.array(dbId).min(1, 'name at least one cart item').max(100),
  })
  .meta({ examples: [{ items: [311] }] });

export const cartItemSchema = z
  .object({
    id: z.number().int(),
    product_info: offerSchema,
    quantity: z.number().int(),
    /** At the offer's current price; prices are frozen only when the order is confirmed. */
    sum: z.number().int(),
  })
  .meta({
    id: 'CartItem',
    examples: [{ id: 311, product_info: OFFER_EXAMPLE, quantity: 2, sum: 220000 }],
  });

export const cartSchema = z
  .object({
    id: z.number().int(),
    items: z.array(cartItemSchema),
    total_quantity: z.number().int(),
    total_sum: z.number().int(),
  })
  .meta({
    id: 'Cart',
    examples: [
      {
        id: 905,
        items: [{ id: 311, product_info: OFFER_EXAMPLE, quantity: 2, sum: 220000 }],
        total_quantity: 2,
        total_sum: 220000,
      },
    ],
  });

export type CartDto = z.output<typeof cartSchema>;
export type AddToCart = z.output<typeof addToCartBody>;
export type UpdateCart = z.output<typeof updateCartBody>;
