import { z } from 'zod';

export const idSchema = z.number().int();

export const categorySchema = z.object({ id: idSchema, name: z.string() }).meta({ id: 'Category' });

export const imageSchema = z
  .object({
    id: idSchema,
    url: z.string(),
    thumbnails: z.object({ small: z.string(), medium: z.string() }),
  })
  .meta({ id: 'Image' });

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
    images: z.array(imageSchema),
  })
  .meta({ id: 'Offer' });

export type OfferDto = z.output<typeof offerSchema>;
