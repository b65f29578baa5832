// Hot statements keep one plan per connection: PostgreSQL plans them once, not on every call
// (PostgreSQL only: PGlite prepares nothing by name).
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../src/platform/db/client.js';
import { liveOffersPage, offersJsonByIds } from '../src/modules/catalog/catalog.reads.js';
import { users } from '../src/modules/accounts/accounts.tables.js';
import {
  addLines,
  linesWithStockToTake,
  lockedBasketWithStock,
} from '../src/modules/orders/cart.repo.js';
import { confirmBasket } from '../src/modules/orders/orders.repo.js';
import { isPostgres, openTestDatabase } from './harness.js';

/** [custom, generic] plans the connection has made for the statements whose name matches `name`. */
async function plansOf(tx: Executor, name: RegExp) {
  const { rows } = (await tx.execute(
    sql`select custom_plans, generic_plans from pg_prepared_statements where name ~ ${name.source}`,
  )) as unknown as { rows: { generic_plans: string; custom_plans: string }[] };
  return rows.map((r) => [Number(r.custom_plans), Number(r.generic_plans)]);
}

// Eight calls with three ids (of no offer: nothing changes), fewer than the ten a generic plan
// assumes: PostgreSQL always makes the first five plans for the values given, then compares;
// [5, 3] means it kept the generic one.
describe.skipIf(!isPostgres)('plans of hot statements with few ids', () => {
  const inTransaction = async (work: (tx: Executor) => Promise<void>) => {
    const database = await openTestDatabase(1);
    try {
      // Rolled back: confirming order 0 changes nothing anyway.
      await database.db
        .transaction(async (tx) => {
          await work(tx);
          tx.rollback();
        })
        .catch((err: unknown) => {
          if (!(err instanceof Error && err.message === 'Rollback')) throw err;
        });
    } finally {
      await database.close();
    }
  };

  it('offers as JSON (an order, a small cart)', () =>
    inTransaction(async (tx) => {
      for (let call = 0; call < 8; call++) await offersJsonByIds(tx, [-1, -2, -3]);
      expect(await plansOf(tx, /^catalog_offers_json$/)).toEqual([[5, 3]]);
    }));

  it("an order's confirmation", () =>
    inTransaction(async (tx) => {
      const prices = new Map([
        [-1, 100],
        [-2, 200],
        [-3, 300],
      ]);
      const address = { first_name: 'Иван', last_name: 'Петров', middle_name: '', email: '' };
      const street = { phone: '+79991234567', city: 'Москва', street: 'Тверская', house: '1' };
      const rest = { structure: '', building: '', apartment: '' };
      const placed = {
        contactId: 1,
        address: { ...address, ...street, ...rest },
        at: new Date(),
        byUserId: 1,
      };
      const quantities = new Map([...prices.keys()].map((id) => [id, 0]));
      const mail = {
        to: 'buyer@example.com',
        subject: 'Заказ',
        text: 'Текст',
        html: '<p>Текст</p>',
      };
      for (let call = 0; call < 8; call++)
        await confirmBasket(tx, 0, placed, { quantities, prices }, [mail]);
      expect(await plansOf(tx, /^order_confirm$/)).toEqual([[5, 3]]);
    }));

  it("an order's lines with their offers, locked (with their answer)", () =>
    inTransaction(async (tx) => {
      for (let call = 0; call < 8; call++) await linesWithStockToTake(tx, 0, 0, 0);
      expect(await plansOf(tx, /^cart_lines_stock_to_take$/)).toEqual([[5, 3]]);
    }));

  it("a cart's add (with its answer)", () =>
    inTransaction(async (tx) => {
      for (let call = 0; call < 8; call++) await addLines(tx, 0, [], 10);
      expect(await plansOf(tx, /^cart_add_lines$/)).toEqual([[5, 3]]);
    }));

  it("a cart's basket, with the stock of the offers added", () =>
    inTransaction(async (tx) => {
      const [user] = await tx
        .insert(users)
        .values({ email: 'plans@example.com', passwordHash: 'x' })
        .returning({ id: users.id });
      for (let call = 0; call < 8; call++) await lockedBasketWithStock(tx, user!.id, [-1, -2, -3]);
      expect(await plansOf(tx, /^cart_basket_with_stock$/)).toEqual([[5, 3]]);
    }));

  it.each(['price', undefined] as const)('later pages of a category by %s', (ordering) =>
    inTransaction(async (tx) => {
      for (let page = 1; page <= 8; page++) {
        await liveOffersPage(tx, { category_id: 1, ordering }, 20, page * 20);
      }
      const name = `^catalog_page_\\w+:${ordering ?? ''}$`;
      expect(await plansOf(tx, new RegExp(name))).toEqual([[5, 3]]);
    }),
  );

  // Planned for the words on every run, a search page's statement cost as much as running it.
  it.each([
    ['range', { share: 0.25 }],
    ['index', 'index'],
  ] as const)("a search's first matches, read by %s", (name, path) =>
    inTransaction(async (tx) => {
      for (const word of ['красный', 'смартфоны', 'samsung', 'синий', 'x', 'y', 'z', 'чайник']) {
        await liveOffersPage(tx, { search: word }, 20, 0, path);
      }
      expect(await plansOf(tx, new RegExp(`^catalog_search_ranked_.*_${name}$`))).toEqual([[5, 3]]);
    }),
  );

  it.each(['walk', 'index'] as const)("an ordered search's first matches, read by %s", (path) =>
    inTransaction(async (tx) => {
      for (const word of ['красный', 'смартфоны', 'samsung', 'синий', 'x', 'y', 'z', 'чайник']) {
        await liveOffersPage(tx, { search: word, ordering: 'price' }, 20, 0, path);
      }
      expect(await plansOf(tx, new RegExp(`^catalog_search_ordered_.*_${path}$`))).toEqual([
        [5, 3],
      ]);
    }),
  );
});
