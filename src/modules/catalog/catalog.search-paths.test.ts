// A search's first matches read each way (catalog.reads.ts, SearchPath): planned for the words;
// by relevance through a range of ids or the text index; ordered by walking the order or through
// the text index. They must find the same offers in the same order, on the database itself (the
// HTTP tests reach the kept plans only once counts are known).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCategory,
  createOffer,
  createShop,
  setShopState,
} from '../../../test/catalog-factory.js';
import { createHarness, type Harness } from '../../../test/harness.js';
import {
  indexWalksInOrder,
  liveOffersPage,
  rankedSearchPath,
  searchPathFor,
  type SearchPath,
} from './catalog.reads.js';
import { RANKED_MATCHES, type Ordering } from './catalog.schemas.js';
import { OFFER_ID_BLOCK_BITS } from './catalog.tables.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

/**
 * A range this small holds a block or two of ids, the oldest offers of the test database: read
 * again with four times the share until the matches are there (the retries are what it tests).
 */
const TINY_RANGE = { share: 1e-6 };

/** The ids of one page of `search` read each way: one list per path. */
async function pagesOf(search: string, limit: number, offset: number, ordering?: Ordering) {
  const paths: (SearchPath | undefined)[] = ordering
    ? [undefined, 'walk', 'index']
    : [undefined, TINY_RANGE, 'index'];
  const pages = [];
  for (const path of paths) {
    const filters = { search, ordering };
    const { json } = await liveOffersPage(h.database.db, filters, limit, offset, path);
    pages.push((JSON.parse(json) as { id: number }[]).map((o) => o.id));
  }
  return pages;
}

/** The next offers get ids `blocks` id blocks further on (see offerIdBlock). */
const skipIdBlocks = (blocks: number) =>
  h.database.db.execute(
    sql`select setval('offers_id_seq', nextval('offers_id_seq') + ${blocks << OFFER_ID_BLOCK_BITS})`,
  );

describe('a search read each way', () => {
  it('finds the same offers in the same order: own text first, by rank, then the category', async () => {
    const word = `qz${Date.now()}`;
    const shop = await createShop(h);
    const closed = await createShop(h);
    const category = await createCategory(h, `Товары ${word}`);
    const plain = await createCategory(h);
    const weak = await createOffer(h, shop, { category: plain, name: `Кабель ${word}` });
    const inCategory = await createOffer(h, shop, { category, name: 'Кабель USB' });
    const strong = await createOffer(h, shop, {
      category,
      name: `${word} ${word} Смартфон`,
      model: `${word}/1`,
    });
    await createOffer(h, closed, { category: plain, name: `Кабель ${word}` });
    await setShopState(h, closed, false);
    await createOffer(h, shop, { category: plain, name: 'Кабель HDMI' });

    const expected = [strong.id, weak.id, inCategory.id];
    expect(await pagesOf(word, 20, 0)).toEqual([expected, expected, expected]);
    expect(await pagesOf(word, 2, 1)).toEqual(Array(3).fill(expected.slice(1, 3)));
    // Excluded by its own text, still found by its category's name.
    const noCables = [strong.id, inCategory.id];
    expect(await pagesOf(`${word} -кабель`, 20, 0)).toEqual(Array(3).fill(noCables));
    expect(await pagesOf(`nothing${word}`, 20, 0)).toEqual([[], [], []]);
  });

  it('finds a word through big categories alone the same each way, past the ranked', async () => {
    // The word is in no offer's own text: what a walk reads is no guide to how many match.
    const word = `qv${Date.now()}`;
    const shop = await createShop(h);
    const big = await createCategory(h, `Товары ${word}`);
    const small = await createCategory(h, `Разное ${word}`);
    const made: number[] = [];
    for (let i = 0; i < RANKED_MATCHES + 2; i++) {
      const category = i % 50 === 7 ? small : big;
      made.push((await createOffer(h, shop, { category, name: `Кабель ${i}` })).id);
    }
    expect(await pagesOf(word, 5, 0)).toEqual(Array(3).fill(made.slice(0, 5)));
    expect(await pagesOf(word, 5, RANKED_MATCHES - 2)).toEqual(Array(3).fill(made.slice(-4)));
    expect(await pagesOf(word, 3, 0, '-price')).toEqual(Array(3).fill(made.slice(0, 3)));
  });

  it('orders by price or name the same each way, own-text and category matches merged', async () => {
    const word = `qw${Date.now()}`;
    const shop = await createShop(h);
    const category = await createCategory(h, `Товары ${word}`);
    const made = [];
    for (const [name, price] of [
      [`Б ${word}`, 300],
      [`А ${word}`, 100],
      ['В', 200],
      [`Г ${word}`, 200],
    ] as const) {
      made.push(
        await createOffer(h, shop, { category: name === 'В' ? category : undefined, name, price }),
      );
    }
    const [b, a, v, g] = made.map((o) => o!.id);
    expect(await pagesOf(word, 20, 0, 'price')).toEqual(Array(3).fill([a, v, g, b]));
    expect(await pagesOf(word, 20, 0, '-price')).toEqual(Array(3).fill([b, v, g, a]));
    expect(await pagesOf(word, 2, 1, 'name')).toEqual(Array(3).fill([b, v]));
    expect(await pagesOf(word, 20, 0, '-name')).toEqual(Array(3).fill([g, v, b, a]));
  });

  it('ranks only the first matches by id, and lists the rest by id, the same each way', async () => {
    const word = `qy${Date.now()}`;
    const shop = await createShop(h);
    const category = await createCategory(h);
    const made: number[] = [];
    for (let i = 0; i < RANKED_MATCHES + 3; i++) {
      // The strongest match comes after the ranked ones: it stays in id order there.
      const strong = i === 10 || i === RANKED_MATCHES + 1;
      const name = strong ? `${word} ${word} ${word} ${i}` : `Кабель ${i} ${word}`;
      made.push((await createOffer(h, shop, { category, name })).id);
    }
    const [first, ...others] = await pagesOf(word, 5, 0);
    expect(first![0]).toBe(made[10]);
    expect(others).toEqual([first, first]);
    const past = await pagesOf(word, 5, RANKED_MATCHES);
    expect(past).toEqual(Array(3).fill(made.slice(RANKED_MATCHES)));
  });
});

describe('a search by relevance read through a range of ids', () => {
  it('reads further when too few matches lay in the range, and finds them all', async () => {
    const word = `qr${Date.now()}`;
    const shop = await createShop(h);
    const category = await createCategory(h);
    const made: number[] = [];
    // Matches spread over blocks far apart, the strongest the last ranked one.
    for (const [count, skip] of [
      [RANKED_MATCHES / 2, 3],
      [RANKED_MATCHES / 2 - 1, 40],
      [3, 0],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const name = count === 3 && i === 0 ? `${word} ${word} ${word}` : `Кабель ${word} ${i}`;
        made.push((await createOffer(h, shop, { category, name })).id);
      }
      await skipIdBlocks(skip);
    }
    const strong = made[RANKED_MATCHES - 1];
    const [first, ...others] = await pagesOf(word, 5, 0);
    expect(first![0]).toBe(strong);
    expect(others).toEqual([first, first]);
    // Past the ranked: the two by id after them.
    expect(await pagesOf(word, 5, RANKED_MATCHES)).toEqual(Array(3).fill(made.slice(-2)));
    const all = await pagesOf(word, RANKED_MATCHES + 10, 0);
    expect(new Set(all[1])).toEqual(new Set(made));
  });
});

describe('a search by relevance read through a range of ids, enough in the first', () => {
  it('answers in one statement when the first matches lie within the range', async () => {
    const word = `qs${Date.now()}`;
    const shop = await createShop(h);
    const category = await createCategory(h);
    const made: number[] = [];
    for (let i = 0; i < RANKED_MATCHES + 5; i++) {
      made.push((await createOffer(h, shop, { category, name: `Кабель ${word} ${i}` })).id);
    }
    await skipIdBlocks(3);
    for (let i = 0; i < 3; i++) await createOffer(h, shop, { category, name: `${word} ${word}` });
    // A range that ends in the block of the last early match: the first 200 lie within it.
    const { rows } = (await h.database.db.execute(
      sql`select min(id)::int as lo, max(id)::int as hi from offers where not withdrawn`,
    )) as unknown as { rows: { lo: number; hi: number }[] };
    const { lo, hi } = rows[0]!;
    const range = { share: (made.at(-1)! - lo + 1) / (hi - lo + 1) };
    const before = h.database.queries.count;
    const { json } = await liveOffersPage(h.database.db, { search: word }, 5, 0, range);
    expect(h.database.queries.count - before).toBe(1);
    const { json: indexed } = await liveOffersPage(h.database.db, { search: word }, 5, 0, 'index');
    expect(JSON.parse(json)).toEqual(JSON.parse(indexed));
    expect(JSON.parse(json)).toHaveLength(5);
  });
});

describe('searchPathFor', () => {
  it('walks for a common word and reads the index for a rare one', () => {
    // An eighth of 100,000 offers match: 200 come within the first 1,600.
    expect(searchPathFor(12_500, 100_000)).toBe('walk');
    // 500 of 100,000: a walk would read 40,000 offers for 200 matches.
    expect(searchPathFor(500, 100_000)).toBe('index');
    expect(searchPathFor(0, 100_000)).toBe('index');
    expect(searchPathFor(0, 0)).toBe('walk');
    // In one shop of 1,000 offers, 5 match, but the text index reads all 100,000 the words match.
    expect(searchPathFor(5, 1_000, 20, 100_000)).toBe('walk');
    expect(searchPathFor(5, 1_000, 20, 100)).toBe('index');
  });
});

describe('rankedSearchPath', () => {
  it('reads a range of ids unless the matches are few or the range would be most of the ids', () => {
    // 5,000 of 1,000,000: the first 300 lie within about 60,000 ids.
    expect(rankedSearchPath(5_000, 1_000_000)).toEqual({ share: 0.06 });
    // An eighth of 100,000: within the first block or so.
    expect(rankedSearchPath(12_500, 100_000)).toEqual({ share: 0.024 });
    // 500 of 100,000: 60,000 ids to pass for 300 matches; reading all 500 is cheaper.
    expect(rankedSearchPath(500, 100_000)).toBe('index');
    expect(rankedSearchPath(250, 1_000)).toBe('index');
    expect(rankedSearchPath(0, 100_000)).toBe('index');
  });
});

describe('indexWalksInOrder (later pages that keep one plan)', () => {
  it('holds where one index gives the order whatever the values, not in a price range by id', () => {
    expect(indexWalksInOrder({})).toBe(true);
    expect(indexWalksInOrder({ category_id: 1 })).toBe(true);
    expect(indexWalksInOrder({ shop_id: 1, in_stock: true })).toBe(true);
    expect(indexWalksInOrder({ ordering: 'price', category_id: 1, price_max: 5 })).toBe(true);
    expect(indexWalksInOrder({ ordering: '-price', price_min: 1, price_max: 5 })).toBe(true);
    expect(indexWalksInOrder({ category_id: 1, shop_id: 1 })).toBe(false);
    expect(indexWalksInOrder({ price_min: 1 })).toBe(false);
    expect(indexWalksInOrder({ ordering: 'price', shop_id: 1 })).toBe(false);
    expect(indexWalksInOrder({ ordering: 'name' })).toBe(false);
  });
});
