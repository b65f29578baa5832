import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCategory,
  createOffer,
  createShop,
  setOfferWithdrawn,
  setShopState,
  uniqueTag,
} from '../../../test/catalog-factory.js';
import { client } from '../../../test/client.js';
import { createHarness, type Harness } from '../../../test/harness.js';
import { RANKED_MATCHES, type OfferDto } from './catalog.schemas.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

const get = (url: string) => client(h).get(url);

/** `GET /products/` with these query values; fails the test on anything but 200. */
async function products(query: Record<string, string | number | boolean>): Promise<Page<OfferDto>> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await get(`/products/?${qs}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const ids = (page: Page<{ id: number }>) => page.results.map((r) => r.id);

/** Every item of a paginated list, following `next` (other tests add rows to shared lists). */
async function all<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let url: string | null = `${path}?page_size=100`;
  while (url) {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(200);
    const page: Page<T> = res.json();
    items.push(...page.results);
    url = page.next && new URL(page.next).pathname + new URL(page.next).search;
  }
  return items;
}

describe('GET /products/', () => {
  it('lists live offers in the contract shape, with parameters as text', async () => {
    const shop = await createShop(h);
    const category = await createCategory(h);
    const offer = await createOffer(h, shop, {
      name: 'Смартфон Apple iPhone XR 256GB (красный)',
      model: 'apple/iphone/xr',
      category,
      price: 65000,
      priceRrc: 69990,
      quantity: 9,
      externalId: 4216313,
      parameters: { 'Диагональ (дюйм)': 6.1, 'Разрешение (пикс)': '1792x828', Беспроводная: true },
    });
    const page = await products({ shop_id: shop.id });
    expect(page).toEqual({
      count: 1,
      next: null,
      previous: null,
      results: [
        {
          id: offer.id,
          external_id: 4216313,
          model: 'apple/iphone/xr',
          product: {
            id: offer.productId,
            name: 'Смартфон Apple iPhone XR 256GB (красный)',
            category: { id: category.id, name: category.name },
          },
          shop: { id: shop.id, name: shop.name },
          quantity: 9,
          price: 65000,
          price_rrc: 69990,
          parameters: [
            { name: 'Диагональ (дюйм)', value: '6.1' },
            { name: 'Разрешение (пикс)', value: '1792x828' },
            { name: 'Беспроводная', value: 'true' },
          ],
          images: [],
        },
      ],
    });
  });

  it('filters by shop, category, price range and stock', async () => {
    const [shop, other] = await Promise.all([createShop(h), createShop(h)]);
    const [phones, tvs] = await Promise.all([createCategory(h), createCategory(h)]);
    const cheap = await createOffer(h, shop, { category: phones, price: 100, quantity: 0 });
    const mid = await createOffer(h, shop, { category: phones, price: 500, quantity: 3 });
    const dear = await createOffer(h, shop, { category: tvs, price: 900, quantity: 1 });
    const elsewhere = await createOffer(h, other, { category: phones, price: 500 });

    expect(ids(await products({ shop_id: shop.id }))).toEqual([cheap.id, mid.id, dear.id]);
    expect(ids(await products({ category_id: phones.id }))).toEqual([
      cheap.id,
      mid.id,
      elsewhere.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, category_id: phones.id }))).toEqual([
      cheap.id,
      mid.id,
    ]);
    // Bounds are inclusive.
    expect(ids(await products({ shop_id: shop.id, price_min: 500 }))).toEqual([mid.id, dear.id]);
    expect(ids(await products({ shop_id: shop.id, price_max: 500 }))).toEqual([cheap.id, mid.id]);
    expect(ids(await products({ shop_id: shop.id, price_min: 500, price_max: 500 }))).toEqual([
      mid.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, in_stock: true }))).toEqual([mid.id, dear.id]);
    expect(ids(await products({ shop_id: shop.id, in_stock: false }))).toEqual([
      cheap.id,
      mid.id,
      dear.id,
    ]);
    const combined = await products({ category_id: phones.id, price_min: 200, in_stock: true });
    expect(ids(combined)).toEqual([mid.id, elsewhere.id]);
    expect(combined.count).toBe(2);
  });

  it('orders by price and by product name either way, ties by offer id; by id by default', async () => {
    const shop = await createShop(h);
    const category = await createCategory(h);
    const b = await createOffer(h, shop, {
      category,
      name: `Беспроводная мышь ${uniqueTag()}`,
      price: 300,
    });
    const a = await createOffer(h, shop, { category, name: `Адаптер ${uniqueTag()}`, price: 200 });
    const c = await createOffer(h, shop, { category, name: `Весы ${uniqueTag()}`, price: 200 });
    const d = await createOffer(h, shop, {
      category,
      name: `Zigbee hub ${uniqueTag()}`,
      price: 999,
    });

    expect(ids(await products({ shop_id: shop.id }))).toEqual([b.id, a.id, c.id, d.id]);
    expect(ids(await products({ shop_id: shop.id, ordering: 'price' }))).toEqual([
      a.id,
      c.id,
      b.id,
      d.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, ordering: '-price' }))).toEqual([
      d.id,
      b.id,
      a.id,
      c.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, ordering: 'name' }))).toEqual([
      d.id,
      a.id,
      b.id,
      c.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, ordering: '-name' }))).toEqual([
      c.id,
      b.id,
      a.id,
      d.id,
    ]);
    // Within one category too (a different plan: the product's category index).
    const named = await products({ category_id: category.id, ordering: '-name' });
    expect(ids(named)).toEqual([c.id, b.id, a.id, d.id]);
  });

  it('orders offers of one product (same name) by id under name ordering', async () => {
    const [s1, s2] = await Promise.all([createShop(h), createShop(h)]);
    const category = await createCategory(h);
    const name = `Смартфон ${uniqueTag()}`;
    const first = await createOffer(h, s1, { category, name });
    const second = await createOffer(h, s2, { category, name });
    expect(first.productId).toBe(second.productId);
    const page = await products({ category_id: category.id, ordering: '-name' });
    expect(ids(page)).toEqual([first.id, second.id]);
  });
});

describe('GET /products/?search=', () => {
  it('finds Russian words by their stem: смартфоны finds Смартфон, красные finds красный', async () => {
    const shop = await createShop(h);
    const phone = await createOffer(h, shop, {
      name: 'Смартфон Apple iPhone XS Max 512GB (золотистый)',
      parameters: { Цвет: 'красный' },
    });
    await createOffer(h, shop, { name: 'Телевизор Samsung QE55', parameters: { Цвет: 'черный' } });
    expect(ids(await products({ shop_id: shop.id, search: 'смартфоны' }))).toEqual([phone.id]);
    expect(ids(await products({ shop_id: shop.id, search: 'СМАРТФОНА' }))).toEqual([phone.id]);
    // A parameter value counts.
    expect(ids(await products({ shop_id: shop.id, search: 'красные' }))).toEqual([phone.id]);
    expect(ids(await products({ shop_id: shop.id, search: 'смартфоны красные' }))).toEqual([
      phone.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, search: 'смартфоны черные' }))).toEqual([]);
  });

  it('finds English words by their stem, and the model', async () => {
    const shop = await createShop(h);
    const headphone = await createOffer(h, shop, {
      name: 'Wireless Headphone Sony WH-1000XM4',
      model: 'sony/wh1000xm4',
      parameters: { Color: 'Black' },
    });
    const charger = await createOffer(h, shop, {
      name: 'Charging cable for phones',
      model: 'cable/usb-c',
    });
    expect(ids(await products({ shop_id: shop.id, search: 'headphones' }))).toEqual([headphone.id]);
    expect(ids(await products({ shop_id: shop.id, search: 'phone' }))).toEqual([charger.id]);
    expect(ids(await products({ shop_id: shop.id, search: 'wireless' }))).toEqual([headphone.id]);
    expect(ids(await products({ shop_id: shop.id, search: 'sony/wh1000xm4' }))).toEqual([
      headphone.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, search: 'charge' }))).toEqual([charger.id]);
    // Web-search syntax: exclusion and "or".
    expect(ids(await products({ shop_id: shop.id, search: 'sony or cable' }))).toEqual([
      headphone.id,
      charger.id,
    ]);
    expect(ids(await products({ shop_id: shop.id, search: 'wireless -sony' }))).toEqual([]);
  });

  it('ranks the more relevant offer first, unless an ordering is asked for', async () => {
    const shop = await createShop(h);
    const passing = await createOffer(h, shop, { name: 'Кабель USB для Samsung', price: 100 });
    const strong = await createOffer(h, shop, {
      name: 'Смартфон Samsung Galaxy S21',
      model: 'samsung/galaxy-s21',
      parameters: { Производитель: 'Samsung' },
      price: 200,
    });
    expect(ids(await products({ shop_id: shop.id, search: 'samsung' }))).toEqual([
      strong.id,
      passing.id,
    ]);
    const byPrice = await products({ shop_id: shop.id, search: 'samsung', ordering: 'price' });
    expect(ids(byPrice)).toEqual([passing.id, strong.id]);
  });

  it('ranks the first matches by id and lists the rest by id, on every page exactly once', async () => {
    const shop = await createShop(h);
    const word = `zork${Date.now()}`;
    const made: number[] = [];
    for (let i = 0; i < RANKED_MATCHES + 10; i++) {
      // Two strong matches: one among the ranked, one after them.
      const strong = i === 150 || i === RANKED_MATCHES + 5;
      const offer = await createOffer(h, shop, {
        name: strong ? `${word} ${word} Смартфон ${i}` : `Смартфон ${i} ${word}`,
        model: strong ? `${word}/${i}` : '',
      });
      made.push(offer.id);
    }
    const first = await products({ shop_id: shop.id, search: word, page_size: 20 });
    expect(first.count).toBe(RANKED_MATCHES + 10);
    expect(ids(first)[0]).toBe(made[150]);
    // Pages of 30 straddle the end of the ranked matches (page 7 holds 180-209).
    const all: number[] = [];
    for (let page = 1; page <= 7; page++) {
      all.push(...ids(await products({ shop_id: shop.id, search: word, page_size: 30, page })));
    }
    expect(all).toHaveLength(RANKED_MATCHES + 10);
    expect(new Set(all)).toEqual(new Set(made));
    expect(all.slice(RANKED_MATCHES)).toEqual(made.slice(RANKED_MATCHES));
    expect(new Set(all.slice(0, RANKED_MATCHES))).toEqual(new Set(made.slice(0, RANKED_MATCHES)));
    const past = await products({ shop_id: shop.id, search: word, page_size: 20, page: 11 });
    expect(ids(past)).toEqual(made.slice(RANKED_MATCHES));
  });

  it('finds offers by their category name too, below offers whose own text matches', async () => {
    const shop = await createShop(h);
    const tvs = await createCategory(h, 'Телевизоры');
    const drives = await createCategory(h, 'Flash-накопители');
    const tv = await createOffer(h, shop, { name: 'Samsung QE55Q60', category: tvs, price: 50 });
    const mount = await createOffer(h, shop, { name: 'Кронштейн для телевизора', price: 100 });
    const stick = await createOffer(h, shop, {
      name: 'Kingston DataTraveler 64GB',
      category: drives,
    });
    const both = await createOffer(h, shop, { name: 'Телевизор LG 43', category: tvs, price: 200 });
    const tvPage = await products({ shop_id: shop.id, search: 'телевизор' });
    expect(ids(tvPage)).toEqual([mount.id, both.id, tv.id]);
    // Counted once though it matches both ways.
    expect(tvPage.count).toBe(3);
    // Ordered, own-text and category matches merge into one order, page by page.
    const search = { shop_id: shop.id, search: 'телевизор' };
    const byPrice = await products({ ...search, ordering: 'price' });
    expect(ids(byPrice)).toEqual([tv.id, mount.id, both.id]);
    const second = await products({ ...search, ordering: '-price', page_size: 1, page: 2 });
    expect(ids(second)).toEqual([mount.id]);
    expect(second.count).toBe(3);
    expect(ids(await products({ shop_id: shop.id, search: 'накопитель' }))).toEqual([stick.id]);
  });

  it('answers a search alone as it answers the same search in one shop', async () => {
    // Alone, the words are read the way their counts point to (catalog.reads.ts, SearchPath);
    // with a filter, PostgreSQL plans the statement for them.
    const shop = await createShop(h);
    const word = `qx${Date.now()}`;
    const category = await createCategory(h, `Товары ${word}`);
    await createOffer(h, shop, { name: `Кабель ${word}`, price: 300 });
    await createOffer(h, shop, { name: `${word} ${word}`, model: word, price: 200 });
    await createOffer(h, shop, { name: 'Кабель USB', category, price: 100 });
    const queries: Record<string, string | number>[] = [
      { search: word },
      { search: word, ordering: 'price' },
      { search: word, ordering: '-name', page_size: 1, page: 2 },
      { search: `nothing${word}` },
      { search: `nothing${word}`, ordering: 'price' },
    ];
    for (const query of queries) {
      const alone = await products(query);
      const inShop = await products({ ...query, shop_id: shop.id });
      expect(ids(alone), JSON.stringify(query)).toEqual(ids(inShop));
      expect(alone.count).toBe(inShop.count);
    }
    expect((await products({ search: word })).count).toBe(3);
  });

  it('answers odd searches without failing: stop words, stray quotes and symbols, blank', async () => {
    const shop = await createShop(h);
    const offer = await createOffer(h, shop);
    for (const search of ['и', '"unclosed', '((', '-', '!!:*&|', "o'reilly", '   ']) {
      await products({ shop_id: shop.id, search });
    }
    expect(ids(await products({ shop_id: shop.id, search: ' ' }))).toEqual([offer.id]);
  });
});

describe('what the catalog hides', () => {
  it('never shows a withdrawn offer, and shows it again once it is back', async () => {
    const shop = await createShop(h);
    const category = await createCategory(h);
    const kept = await createOffer(h, shop, { category, name: `Чайник ${uniqueTag()}` });
    const gone = await createOffer(h, shop, {
      category,
      name: `Чайник ${uniqueTag()}`,
      withdrawn: true,
    });
    expect(ids(await products({ shop_id: shop.id }))).toEqual([kept.id]);
    expect((await products({ shop_id: shop.id })).count).toBe(1);
    expect(ids(await products({ category_id: category.id, search: 'чайники' }))).toEqual([kept.id]);
    expect((await get(`/products/${gone.id}/`)).statusCode).toBe(404);
    expect((await all<{ id: number }>('/categories/')).map((c) => c.id)).toContain(category.id);

    await setOfferWithdrawn(h, kept, true);
    expect((await products({ shop_id: shop.id })).count).toBe(0);
    expect((await all<{ id: number }>('/categories/')).map((c) => c.id)).not.toContain(category.id);

    await setOfferWithdrawn(h, gone, false);
    expect(ids(await products({ shop_id: shop.id }))).toEqual([gone.id]);
    expect((await get(`/products/${gone.id}/`)).statusCode).toBe(200);
  });

  it('hides every offer of a shop that is off, and the shop itself, until it is on again', async () => {
    const shop = await createShop(h);
    const category = await createCategory(h);
    const offer = await createOffer(h, shop, { category });
    const shopIds = async () => (await all<{ id: number }>('/shops/')).map((s) => s.id);
    expect(await all('/shops/')).toContainEqual({ id: shop.id, name: shop.name, state: true });

    await setShopState(h, shop, false);
    expect(await products({ shop_id: shop.id })).toMatchObject({ count: 0, results: [] });
    expect(ids(await products({ category_id: category.id }))).toEqual([]);
    expect((await get(`/products/${offer.id}/`)).statusCode).toBe(404);
    expect(await shopIds()).not.toContain(shop.id);
    expect((await all<{ id: number }>('/categories/')).map((c) => c.id)).not.toContain(category.id);

    await setShopState(h, shop, true);
    expect(ids(await products({ category_id: category.id }))).toEqual([offer.id]);
    expect(await shopIds()).toContain(shop.id);
  });
});

describe('GET /products/{id}/', () => {
  it('answers one live offer with its parameters, and 404 for an unknown id', async () => {
    const shop = await createShop(h);
    const offer = await createOffer(h, shop, { parameters: { Цвет: 'синий' } });
    const res = await get(`/products/${offer.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: offer.id,
      shop: { id: shop.id },
      parameters: [{ name: 'Цвет', value: 'синий' }],
    });
    const missing = await get('/products/2147483647/');
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });
});

describe('pagination', () => {
  it('pages like DRF with absolute next/previous links; past the last page is 404', async () => {
    const shop = await createShop(h);
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await createOffer(h, shop, { price: 10 * i })).id);

    const first = await products({ shop_id: shop.id, ordering: 'price', page_size: 2 });
    expect(first).toMatchObject({ count: 5, previous: null });
    expect(ids(first)).toEqual(made.slice(0, 2));
    const next = new URL(first.next!);
    expect(next.protocol).toBe('http:');
    expect(Object.fromEntries(next.searchParams)).toEqual({
      shop_id: String(shop.id),
      ordering: 'price',
      page_size: '2',
      page: '2',
    });

    const third = await products({ shop_id: shop.id, ordering: 'price', page_size: 2, page: 3 });
    expect(ids(third)).toEqual(made.slice(4));
    expect(third.next).toBeNull();
    expect(new URL(third.previous!).searchParams.get('page')).toBe('2');
    const second = await get(new URL(third.previous!).pathname + new URL(third.previous!).search);
    expect(ids(second.json())).toEqual(made.slice(2, 4));

    const past = await get(`/products/?shop_id=${shop.id}&page_size=2&page=4`);
    expect(past.statusCode).toBe(404);
    expect(past.json().detail).toMatch(/Invalid page/);
  });

  it('counts follow every change at once (a reused count is never stale)', async () => {
    const shop = await createShop(h);
    await createOffer(h, shop);
    expect((await products({ shop_id: shop.id })).count).toBe(1);
    expect((await products({ shop_id: shop.id })).count).toBe(1);
    const second = await createOffer(h, shop);
    expect((await products({ shop_id: shop.id })).count).toBe(2);
    await setOfferWithdrawn(h, second, true);
    expect((await products({ shop_id: shop.id })).count).toBe(1);
  });

  it('reads a repeated search by relevance in one statement, and follows every change at once', async () => {
    const shop = await createShop(h);
    const word = `quux${Date.now()}`;
    const weak = await createOffer(h, shop, { name: `Кабель ${word}` });
    const strong = await createOffer(h, shop, { name: `Смартфон ${word} ${word}` });
    const search = { search: word };
    expect(ids(await products(search))).toEqual([strong.id, weak.id]);
    // Its ranked matches and its count are kept under the catalog epoch: the page alone is read.
    const before = h.database.queries.count;
    expect(ids(await products(search))).toEqual([strong.id, weak.id]);
    expect(h.database.queries.count - before).toBe(1);
    expect(ids(await products({ ...search, page_size: 1, page: 2 }))).toEqual([weak.id]);
    // A new match, a withdrawn one, a shop switched off: each is seen by the next read.
    const third = await createOffer(h, shop, { name: `${word} ${word} ${word} ${word} ${word}` });
    expect(ids(await products(search))).toEqual([third.id, strong.id, weak.id]);
    await setOfferWithdrawn(h, strong, true);
    expect(ids(await products(search))).toEqual([third.id, weak.id]);
    await setShopState(h, shop, false);
    expect(await products(search)).toMatchObject({ count: 0, results: [] });
  });

  it('costs the same number of queries for a page of 1 and a page of 50', async () => {
    const shop = await createShop(h);
    const category = await createCategory(h);
    for (let i = 0; i < 50; i++) {
      await createOffer(h, shop, {
        category,
        name: `Смартфон ${uniqueTag()}`,
        parameters: { a: i, b: 'x' },
      });
    }
    // Fresh filters each time, so the count is taken each time too (the dearest case).
    const cost = async (query: Record<string, string | number>) => {
      const before = h.database.queries.count;
      const page = await products(query);
      return { queries: h.database.queries.count - before, size: page.results.length };
    };
    const one = await cost({ shop_id: shop.id, page_size: 1 });
    const fifty = await cost({ shop_id: shop.id, category_id: category.id, page_size: 50 });
    expect(one.size).toBe(1);
    expect(fifty.size).toBe(50);
    expect(one.queries).toBe(fifty.queries);
    expect(fifty.queries).toBeLessThanOrEqual(4);
    // A search with other filters first takes the counts that choose how it reads (the page's
    // own among them; new words each time, so they are taken), and how it reads may differ with
    // the page's end: one statement more when planned per call, never one per offer.
    const search = { shop_id: shop.id, ordering: 'name' };
    const searchedOne = await cost({ ...search, search: 'смартфоны', page_size: 1 });
    const searched = await cost({ ...search, search: 'смартфон', page_size: 50 });
    expect(searchedOne.size).toBe(1);
    expect(searched.size).toBe(50);
    expect(Math.max(searchedOne.queries, searched.queries)).toBeLessThanOrEqual(4);

    const before = h.database.queries.count;
    expect(
      (await get(`/products/${ids(await products({ shop_id: shop.id, page_size: 1 }))[0]}/`))
        .statusCode,
    ).toBe(200);
    expect(h.database.queries.count - before).toBeLessThanOrEqual(4 + 3);
  });
});

describe('GET /categories/ and GET /shops/', () => {
  it('lists categories that have offers on sale as {id, name}', async () => {
    const shop = await createShop(h);
    const [used, empty] = await Promise.all([createCategory(h), createCategory(h)]);
    await createOffer(h, shop, { category: used });
    const listed = await all<{ id: number; name: string }>('/categories/');
    expect(listed).toContainEqual({ id: used.id, name: used.name });
    expect(listed.map((c) => c.id)).not.toContain(empty.id);
    const page = (await get('/categories/?page_size=1')).json();
    expect(Object.keys(page.results[0]).sort()).toEqual(['id', 'name']);
  });

  it('lists shops that take orders as {id, name, state}, paginated', async () => {
    const [on, off] = await Promise.all([createShop(h), createShop(h, { state: false })]);
    const listed = await all<{ id: number; name: string; state: boolean }>('/shops/');
    expect(listed).toContainEqual({ id: on.id, name: on.name, state: true });
    expect(listed.map((s) => s.id)).not.toContain(off.id);
    expect(listed.every((s) => s.state)).toBe(true);
    expect((await get('/shops/?page_size=101')).statusCode).toBe(400);
  });
});

describe('bad query values', () => {
  const cases: [string, string][] = [
    ['/products/?page=abc', 'page'],
    ['/products/?page=0', 'page'],
    ['/products/?page_size=101', 'page_size'],
    ['/products/?page_size=1.5', 'page_size'],
    ['/products/?price_min=x', 'price_min'],
    ['/products/?price_min=-1', 'price_min'],
    ['/products/?price_max=2147483648', 'price_max'],
    ['/products/?price_min=10&price_max=5', 'price_max'],
    ['/products/?shop_id=abc', 'shop_id'],
    ['/products/?shop_id=0', 'shop_id'],
    ['/products/?shop_id=2147483648', 'shop_id'],
    ['/products/?category_id=99999999999999999999', 'category_id'],
    ['/products/?category_id=1&category_id=2', 'category_id'],
    ['/products/?in_stock=maybe', 'in_stock'],
    ['/products/?ordering=price;drop', 'ordering'],
    ['/products/?ordering=id', 'ordering'],
    [`/products/?search=${'x'.repeat(201)}`, 'search'],
    ['/products/abc/', 'id'],
    ['/products/0/', 'id'],
    ['/products/2147483648/', 'id'],
    ['/categories/?page=-1', 'page'],
    ['/shops/?page_size=abc', 'page_size'],
  ];
  it.each(cases)('%s → 400 naming %s', async (url, field) => {
    const res = await get(url);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
