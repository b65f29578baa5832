// GET /products/ sends the JSON PostgreSQL writes, past the route's zod serializer (see
// catalog.routes.ts). These tests hold that JSON to the same contract as the zod-serialized
// GET /products/{id}/: same offers, same fields, same values, whatever characters the data holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCategory,
  createOffer,
  createShop,
  uniqueTag,
} from '../../../test/catalog-factory.js';
import { client } from '../../../test/client.js';
import { createHarness, type Harness } from '../../../test/harness.js';
import { offerSchema } from './catalog.schemas.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

const get = (url: string) => client(h).get(url);

/** The contract's page, refusing any field the schema does not name (zod would strip them). */
const strictPage = z.strictObject({
  count: z.number().int(),
  next: z.string().nullable(),
  previous: z.string().nullable(),
  results: z.array(
    z.strictObject({
      ...offerSchema.shape,
      product: z.strictObject({
        id: z.number().int(),
        name: z.string(),
        category: z.strictObject({ id: z.number().int(), name: z.string() }),
      }),
      shop: z.strictObject({ id: z.number().int(), name: z.string() }),
      parameters: z.array(z.strictObject({ name: z.string(), value: z.string() })),
    }),
  ),
});

describe('GET /products/ JSON', () => {
  it('matches GET /products/{id}/ field for field, also for quotes, escapes and emoji', async () => {
    const tag = uniqueTag();
    const shop = await createShop(h, { name: `Shop "${tag}" \\ 😀` });
    const category = await createCategory(h, `Cat ${tag} <b>&amp;</b>`);
    const awkward = `Name "quoted" back\\slash tab\there\nnew line \u0001 ${tag} 😀 Ё`;
    await createOffer(h, shop, {
      category,
      name: awkward,
      model: 'm/"x"\\y',
      parameters: { 'Param "q"': 'v\\1\n2', Пустой: '', Число: 6.5, Флаг: false },
    });
    await createOffer(h, shop, { category, parameters: {} });
    await createOffer(h, shop, { category, externalId: 9_876_543_210 });

    const res = await get(`/products/?shop_id=${shop.id}&page_size=2`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const page = strictPage.parse(res.json());
    expect(page.count).toBe(3);
    expect(page.results).toHaveLength(2);
    expect(page.results[0]!.product.name).toBe(awkward);
    expect(page.next).toMatch(/page=2/);

    const second = strictPage.parse(
      (await get(`/products/?shop_id=${shop.id}&page_size=2&page=2`)).json(),
    );
    for (const offer of [...page.results, ...second.results]) {
      const one = await get(`/products/${offer.id}/`);
      expect(one.statusCode).toBe(200);
      expect(offer).toEqual(one.json());
    }
    expect(second.results[0]!.external_id).toBe(9_876_543_210);
  });

  it('answers an empty page as an empty list', async () => {
    const shop = await createShop(h);
    const res = await get(`/products/?shop_id=${shop.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ count: 0, next: null, previous: null, results: [] });
  });
});
