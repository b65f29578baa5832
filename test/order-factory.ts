// Carts and orders made through the HTTP API, as a buyer would, for the cart and orders tests.
import { eq } from 'drizzle-orm';
import { offers } from '../src/modules/catalog/catalog.tables.js';
import type { Harness, TestUser } from './harness.js';

type Headers = Record<string, string>;

export const api = (h: Harness, user: TestUser) => ({
  get: (url: string) => h.app.inject({ method: 'GET', url, headers: user.auth }),
  post: (url: string, payload?: object, headers: Headers = {}) =>
    h.app.inject({ method: 'POST', url, payload, headers: { ...user.auth, ...headers } }),
  put: (url: string, payload: object) =>
    h.app.inject({ method: 'PUT', url, payload, headers: user.auth }),
  patch: (url: string, payload: object) =>
    h.app.inject({ method: 'PATCH', url, payload, headers: user.auth }),
  delete: (url: string, payload?: object) =>
    h.app.inject({ method: 'DELETE', url, payload, headers: user.auth }),
});

/** A delivery contact of the user, made through /contacts/add/. */
export async function createContact(
  h: Harness,
  user: TestUser,
  fields: Record<string, string> = {},
) {
  const res = await api(h, user).post('/contacts/add/', {
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
  const res = await api(h, user).post('/cart/add/', {
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
  const res = await api(h, user).post('/order/confirm/', { contact: c.id });
  if (res.statusCode !== 201) throw new Error(`confirm: ${res.statusCode} ${res.body}`);
  return res.json<{ id: number; state: string; total_sum: number }>();
}

export async function stockOf(h: Harness, offer: { id: number }): Promise<number> {
  const [row] = await h.database.db
    .select({ quantity: offers.quantity })
    .from(offers)
    .where(eq(offers.id, offer.id));
  return row!.quantity;
}
