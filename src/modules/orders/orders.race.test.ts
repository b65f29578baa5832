// Concurrency. Requests that race over several connections run on PostgreSQL only: the embedded
// PGlite has one connection, so there they would run one after another and prove nothing. The
// Idempotency-Key tests that hold a request in flight with a hook run on both.
import { and, count, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import {
  createHarness,
  createUser,
  isPostgres,
  type Harness,
  type TestUser,
} from '../../../test/harness.js';
import { client } from '../../../test/client.js';
import { addToCart, createContact, placeOrder, stockOf } from '../../../test/order-factory.js';
import { KEY_TTL_MS } from './idempotency.js';
import { orderItems, orders } from './orders.tables.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

interface Buyer {
  user: TestUser;
  contact: { id: number };
}

async function buyers(n: number): Promise<Buyer[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const user = await createUser(h);
      return { user, contact: await createContact(h, user) };
    }),
  );
}

const confirm = (b: Buyer, headers: Record<string, string> = {}) =>
  client(h, b.user).post('/order/confirm/', { contact: b.contact.id }, { headers });

const ONE_CONNECTION = '(PostgreSQL only: the embedded database has one connection)';

async function placedWith(offer: { id: number }) {
  const [row] = await h.database.db
    .select({ n: count() })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .where(and(eq(orderItems.offerId, offer.id), sql`${orders.state} <> 'basket'`));
  return row!.n;
}

describe.skipIf(!isPostgres)(`confirmations racing for the last units ${ONE_CONNECTION}`, () => {
  it('sells exactly the stock to N parallel buyers; the others get 409 with what is left', async () => {
    const N = 24;
    const k = 7;
    const offer = await createOffer(h, await createShop(h), { quantity: k });
    const all = await buyers(N);
    for (const b of all) await addToCart(h, b.user, [{ offer, quantity: 1 }]);

    const answers = await Promise.all(all.map((b) => confirm(b)));
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(k);
    expect(codes.filter((c) => c === 409)).toHaveLength(N - k);
    for (const r of answers.filter((a) => a.statusCode === 409)) {
      expect(r.json().items).toEqual([
        expect.objectContaining({ product_info: offer.id, requested: 1, available: 0 }),
      ]);
    }
    expect(await stockOf(h, offer)).toBe(0);
    expect(await placedWith(offer)).toBe(k);
  });

  it('never deadlocks or oversells when carts hold two offers in opposite orders', async () => {
    const shop = await createShop(h);
    const x = await createOffer(h, shop, { quantity: 5 });
    const y = await createOffer(h, await createShop(h), { quantity: 8 });
    const all = await buyers(20);
    for (const [i, b] of all.entries()) {
      const lines = [
        { offer: x, quantity: 1 },
        { offer: y, quantity: 2 },
      ];
      await addToCart(h, b.user, i % 2 === 0 ? lines : lines.reverse());
    }
    const answers = await Promise.all(all.map((b) => confirm(b)));
    const codes = answers.map((r) => r.statusCode).sort();
    // y allows 4 orders (8 / 2), x allows 5: y runs out first.
    expect(codes.filter((c) => c === 201)).toHaveLength(4);
    expect(codes.filter((c) => c === 409)).toHaveLength(16);
    expect([await stockOf(h, x), await stockOf(h, y)]).toEqual([1, 0]);
    expect(await placedWith(x)).toBe(4);
  });
});

describe.skipIf(!isPostgres)(
  `carts and confirmations over the same offers at once ${ONE_CONNECTION}`,
  () => {
    it('lets buyers add the offers others are confirming: every request succeeds, stock exact', async () => {
      const shop = await createShop(h);
      const offers = [
        await createOffer(h, shop, { quantity: 1000 }),
        await createOffer(h, shop, { quantity: 1000 }),
        await createOffer(h, await createShop(h), { quantity: 1000 }),
      ];
      const all = await buyers(16);
      const lines = (i: number) =>
        (i % 2 === 0 ? offers : [...offers].reverse()).map((offer) => ({ offer, quantity: 1 }));
      for (const [i, b] of all.entries()) if (i < 8) await addToCart(h, b.user, lines(i));
      const answers = await Promise.all(
        all.map((b, i) =>
          i < 8
            ? confirm(b)
            : client(h, b.user).post('/cart/add/', {
                items: lines(i).map((l) => ({ product_info: l.offer.id, quantity: l.quantity })),
              }),
        ),
      );
      expect(answers.map((r) => r.statusCode)).toEqual(all.map(() => 201));
      for (const offer of offers) expect(await stockOf(h, offer)).toBe(1000 - 8);
    });
  },
);

describe.skipIf(!isPostgres)(`cancels racing ${ONE_CONNECTION}`, () => {
  it('returns the stock exactly once when two cancels race', async () => {
    const [b] = await buyers(1);
    const staff = await createUser(h, { staff: true });
    const offer = await createOffer(h, await createShop(h), { quantity: 10 });
    for (let round = 0; round < 3; round++) {
      const order = await placeOrder(h, b!.user, [{ offer, quantity: 3 }], b!.contact);
      expect(await stockOf(h, offer)).toBe(7);
      const answers = await Promise.all([
        client(h, b!.user).post('/order/cancel/', { id: order.id }),
        client(h, b!.user).post('/order/cancel/', { id: order.id }),
        client(h, staff).patch(`/api/admin/orders/${order.id}/`, { state: 'canceled' }),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
      expect(await stockOf(h, offer)).toBe(10);
    }
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same body and creates nothing more; another body → 422', async () => {
    const [b] = await buyers(1);
    const offer = await createOffer(h, await createShop(h), { quantity: 10 });
    await addToCart(h, b!.user, [{ offer, quantity: 2 }]);
    const key = { 'idempotency-key': `order-${b!.user.id}` };

    const first = await confirm(b!, key);
    expect(first.statusCode).toBe(201);
    await addToCart(h, b!.user, [{ offer, quantity: 1 }]);
    const again = await confirm(b!, key);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await stockOf(h, offer)).toBe(8);
    expect((await client(h, b!.user).get('/orders/')).json().count).toBe(1);

    const other = await client(h, b!.user).post(
      '/order/confirm/',
      { contact: b!.contact.id, id: 5 },
      { headers: key },
    );
    expect(other.statusCode).toBe(422);
    expect((await confirm(b!, { 'idempotency-key': 'x'.repeat(256) })).statusCode).toBe(400);

    // Keys are per user: another buyer's same key is a fresh request.
    const [c] = await buyers(1);
    await addToCart(h, c!.user, [{ offer, quantity: 1 }]);
    expect((await confirm(c!, key)).headers['idempotent-replayed']).toBeUndefined();

    // After 24 h the key is forgotten: the request runs again (and confirms the cart it finds).
    h.clock.advance(KEY_TTL_MS + 1000);
    try {
      const late = await confirm(b!, key);
      expect(late.statusCode).toBe(201);
      expect(late.json().id).not.toBe(first.json().id);
    } finally {
      h.clock.advance(-(KEY_TTL_MS + 1000));
    }
  });

  it('a repeat sent while the first request runs gets its answer, not a second order', async () => {
    const [b] = await buyers(1);
    const offer = await createOffer(h, await createShop(h), { quantity: 10 });
    await addToCart(h, b!.user, [{ offer, quantity: 1 }]);
    const key = { 'idempotency-key': 'in-flight' };
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (release = r));
    h.app.orderHooks.afterKeyClaimed = async () => {
      entered();
      await gate;
    };
    const first = confirm(b!, key);
    await inside; // the first holds its key inside its transaction
    h.app.orderHooks.afterKeyClaimed = undefined;
    const repeat = confirm(b!, key);
    release();
    const [one, two] = await Promise.all([first, repeat]);
    expect(one.statusCode).toBe(201);
    expect(two.statusCode).toBe(201);
    expect(two.headers['idempotent-replayed']).toBe('true');
    expect(two.json()).toEqual(one.json());
    expect(await stockOf(h, offer)).toBe(9);
    expect((await client(h, b!.user).get('/orders/')).json().count).toBe(1);
  });

  it.skipIf(!isPostgres)(
    'a repeat waits on the key while the first request waits on a row lock held elsewhere, then replays it (PostgreSQL only: the lock is held from a second connection)',
    async () => {
      const [b] = await buyers(1);
      const offer = await createOffer(h, await createShop(h), { quantity: 10 });
      await addToCart(h, b!.user, [{ offer, quantity: 1 }]);
      const key = { 'idempotency-key': 'locked-elsewhere' };
      const other = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      // Watches from outside any transaction: one keeps its first view of pg_stat_activity.
      const observer = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await Promise.all([other.connect(), observer.connect()]);
      /** Statements of this database waiting for a lock whose text matches `like`. */
      const waiting = async (like: string) =>
        (
          await observer.query(
            `select count(*)::int as n from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock' and query like $1`,
            [like],
          )
        ).rows[0].n as number;
      try {
        await other.query('begin');
        await other.query('select 1 from offers where id = $1 for update', [offer.id]);
        const first = confirm(b!, key);
        // The first request has claimed its key and now waits for our lock on the offer.
        while ((await waiting('%offers%')) === 0) await new Promise((r) => setImmediate(r));
        const repeat = confirm(b!, key);
        // The repeat waits for the first one's key.
        while ((await waiting('%idempotency_keys%')) === 0)
          await new Promise((r) => setImmediate(r));
        await other.query('commit');
        const [one, two] = await Promise.all([first, repeat]);
        expect(one.statusCode).toBe(201);
        expect(two.statusCode).toBe(201);
        expect(two.headers['idempotent-replayed']).toBe('true');
        expect(two.json().id).toBe(one.json().id);
        expect(await stockOf(h, offer)).toBe(9);
      } finally {
        await Promise.all([other.end(), observer.end()]);
      }
    },
  );

  it.skipIf(!isPostgres)(
    `creates one order when the same key is sent many times at once ${ONE_CONNECTION}`,
    async () => {
      const [b] = await buyers(1);
      const offer = await createOffer(h, await createShop(h), { quantity: 10 });
      await addToCart(h, b!.user, [{ offer, quantity: 2 }]);
      const key = { 'idempotency-key': 'burst' };
      const answers = await Promise.all(Array.from({ length: 6 }, () => confirm(b!, key)));
      for (const r of answers) expect(r.statusCode).toBe(201);
      const ids = new Set(answers.map((r) => r.json().id));
      expect(ids.size).toBe(1);
      expect(await stockOf(h, offer)).toBe(8);
      expect((await client(h, b!.user).get('/orders/')).json().count).toBe(1);
    },
  );
});

describe.skipIf(!isPostgres)(`a confirmation waiting for its cart ${ONE_CONNECTION}`, () => {
  it('places the lines an add committed while it waited, each priced and taken from stock', async () => {
    const [b] = await buyers(1);
    const shop = await createShop(h);
    const [first, late] = [await createOffer(h, shop), await createOffer(h, shop)];
    await addToCart(h, b!.user, [{ offer: first, quantity: 1 }]);
    const stockBefore = await stockOf(h, late);
    // Another connection stands for an add in flight: it holds the basket's lock and has written
    // its line, not yet committed.
    const add = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    const observer = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await Promise.all([add.connect(), observer.connect()]);
    try {
      await add.query('begin');
      const { rows } = await add.query<{ id: number }>(
        `select id from orders where user_id = $1 and state = 'basket' for update`,
        [b!.user.id],
      );
      await add.query(
        'insert into order_items (order_id, offer_id, shop_id, quantity) values ($1, $2, $3, 2)',
        [rows[0]!.id, late.id, shop.id],
      );
      const confirmed = confirm(b!);
      // The confirmation waits for the basket's lock.
      const waiting = async () =>
        (
          await observer.query(
            `select count(*)::int as n from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock'
               and query like '%"orders"%for update%'`,
          )
        ).rows[0].n as number;
      while ((await waiting()) === 0) await new Promise((r) => setImmediate(r));
      await add.query('commit');

      const res = await confirmed;
      expect(res.statusCode).toBe(201);
      const items = res.json().items as { product_info: { id: number }; price: number }[];
      expect(items.map((i) => i.product_info.id)).toEqual([first.id, late.id]);
      expect(await stockOf(h, late)).toBe(stockBefore - 2);
      const unpriced = await h.database.db
        .select({ n: count() })
        .from(orderItems)
        .where(and(eq(orderItems.orderId, res.json().id), sql`${orderItems.price} is null`));
      expect(unpriced[0]!.n).toBe(0);
    } finally {
      await Promise.all([add.end(), observer.end()]);
    }
  });
});
