// Carts and orders made through the HTTP API, as a buyer would, for the cart and orders tests.
import { eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { orderSchema } from '../src/modules/orders/index.js';
import { offers } from '../src/platform/db/schema.js';
import { client } from './client.js';
import type { Harness, TestUser } from './harness.js';

type OrderDto = z.output<typeof orderSchema>;

/** A delivery contact of the user, made through /contacts/add/. */
export async function createContact(
  h: Harness,
  user: TestUser,
  fields: Record<string, string> = {},
) {
  const res = await client(h, user).post('/contacts/add/', {
    first_name: 'Иван',
    last_name: 'Петров',
    phone: '+7 999 123-45-67',
    city: 'Москва',
    street: 'Тверская',
    house: '7',
    apartment: '12',
    ...fields,
  });
  if (res.statusCode !== 201) throw new Error(`contact: ${res.body}`);
  return res.json<{ id: number }>();
}

export async function addToCart(
  h: Harness,
  user: TestUser,
  items: { offer: { id: number }; quantity: number }[],
) {
  const res = await client(h, user).post('/cart/add/', {
    items: items.map((i) => ({ product_info: i.offer.id, quantity: i.quantity })),
  });
  if (res.statusCode !== 201) throw new Error(`cart add: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Fills the cart and confirms it; returns the order. */
export async function placeOrder(
  h: Harness,
  user: TestUser,
  items: { offer: { id: number }; quantity: number }[],
  contact?: { id: number },
) {
  await addToCart(h, user, items);
  const c = contact ?? (await createContact(h, user));
  const res = await client(h, user).post('/order/confirm/', { contact: c.id });
  if (res.statusCode !== 201) throw new Error(`confirm: ${res.statusCode} ${res.body}`);
  return res.json<OrderDto>();
}

export async function stockOf(h: Harness, offer: { id: number }): Promise<number> {
  const [row] = await h.database.db
    .select({ quantity: offers.quantity })
    .from(offers)
    .where(eq(offers.id, offer.id));
  return row!.quantity;
}
