// Background imports keep the price list in the database until their job is done with it, never
// in the job store, and a shop has at most MAX_QUEUED_IMPORTS of them at once.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { MAX_QUEUED_IMPORTS } from './partner.service.js';
import { importRequests } from './partner.tables.js';
import { importYaml, shopYaml } from './partner.test-helpers.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

const requestsOf = (userId: number) =>
  h.database.db.select().from(importRequests).where(eq(importRequests.userId, userId));

describe('background price-list imports', () => {
  it('keep the list out of the job store, and drop it from the database when done', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const yaml = shopYaml('Queued');
    const res = await importYaml(h, shop, yaml, '?async=true');
    expect(res.statusCode).toBe(202);
    await h.settle();
    const job = await client(h, shop).get(`/partner/jobs/${res.json().job_id}/`);
    expect(job.json()).toMatchObject({ state: 'completed', result: { created: 14 } });
    expect(await requestsOf(shop.id)).toEqual([]);

    if (h.redis) {
      const redis = h.redis.client();
      const keys = await redis.keys(`${h.redis.prefix}*`);
      const values = await Promise.all(
        keys.map(async (k) =>
          (await redis.type(k)) === 'hash' ? JSON.stringify(await redis.hgetall(k)) : '',
        ),
      );
      expect(keys.some((k) => k.endsWith(res.json().job_id))).toBe(true);
      // The goods of shop1.yaml are nowhere in Redis, only the summary of the import.
      expect(values.join('\n')).not.toContain('Смартфон Apple iPhone XS Max');
      expect(values.join('\n')).not.toContain(yaml.slice(0, 200));
    }
  });

  it(`take at most ${MAX_QUEUED_IMPORTS} at once per shop (429 beyond, nothing stored); stale ones do not count`, async () => {
    const [shop, other] = await Promise.all([
      createUser(h, { type: 'shop' }),
      createUser(h, { type: 'shop' }),
    ]);
    // Two imports of this shop waiting for a worker.
    await h.database.db.insert(importRequests).values(
      Array.from({ length: MAX_QUEUED_IMPORTS }, () => ({
        userId: shop.id,
        text: 'shop: waiting',
        createdAt: h.clock.now(),
      })),
    );
    const refused = await importYaml(h, shop, shopYaml(), '?async=true');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().type).toBe('/problems/imports-queued');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await requestsOf(shop.id)).toHaveLength(MAX_QUEUED_IMPORTS);
    // Another shop is not held up, and an import now (not in the background) is not limited.
    expect((await importYaml(h, other, shopYaml(), '?async=true')).statusCode).toBe(202);
    expect((await importYaml(h, shop, shopYaml())).statusCode).toBe(200);

    // Requests an hour old belong to jobs that were lost (a restart): dropped, not counted.
    h.clock.advance(3_600_000 + 1000);
    try {
      const accepted = await importYaml(h, shop, shopYaml(), '?async=true');
      expect(accepted.statusCode).toBe(202);
    } finally {
      h.clock.advance(-(3_600_000 + 1000));
    }
    await h.settle();
    expect(await requestsOf(shop.id)).toEqual([]);
  });

  it('a refused upload of a URL is not kept either', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const res = await client(h, shop).post('/partner/update/?async=true', {
      url: 'http://127.0.0.1:9/list.yaml',
    });
    expect(res.statusCode).toBe(202);
    await h.settle();
    const job = await client(h, shop).get(`/partner/jobs/${res.json().job_id}/`);
    expect(job.json().state).toBe('failed');
    expect(await requestsOf(shop.id)).toEqual([]);
  });
});
