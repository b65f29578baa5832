import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  createUser,
  isRedis,
  openTestRedis,
  type Harness,
} from '../../test/harness.js';
import { client } from '../../test/client.js';
import { createMemoryCache, createRedisCache, type Cache } from './cache.js';
import type { RedisConnections } from './redis.js';

const opened: RedisConnections[] = [];
afterAll(async () => void (await Promise.all(opened.map((r) => r.close()))));

const backends: [string, () => Cache[]][] = [
  ['memory', () => [createMemoryCache()]],
  ...(isRedis
    ? [
        [
          'redis',
          () => {
            const redis = openTestRedis()!;
            const other = openTestRedis(redis.prefix)!;
            opened.push(redis, other);
            // Two caches on one prefix stand for two processes.
            return [createRedisCache(redis), createRedisCache(other)];
          },
        ] as [string, () => Cache[]],
      ]
    : []),
];

describe.each(backends)('%s cache', (backend, open) => {
  it('loads once, then serves copies; a version bump of any scope drops exactly its entries', async () => {
    const caches = open();
    const [a, b] = [caches[0]!, caches.at(-1)!];
    let loads = 0;
    const load = (v: string) => async () => (loads++, { v, list: [1, 2] });

    expect(await a.wrap('products?page=1', ['catalog'], load('one'))).toEqual({
      v: 'one',
      list: [1, 2],
    });
    const hit = await b.wrap('products?page=1', ['catalog'], load('two'));
    expect(hit).toEqual({ v: 'one', list: [1, 2] });
    hit.list.push(3); // a caller's change does not reach the cache
    expect((await a.wrap('products?page=1', ['catalog'], load('x'))).list).toEqual([1, 2]);
    expect(loads).toBe(1);

    await a.wrap('offer:1', ['shop:1'], load('shop1'));
    await a.wrap('offer:2', ['shop:2'], load('shop2'));
    await b.invalidate(['shop:1']);
    expect((await a.wrap('offer:1', ['shop:1'], load('shop1-new'))).v).toBe('shop1-new');
    expect((await a.wrap('offer:2', ['shop:2'], load('never'))).v).toBe('shop2');
    expect((await a.wrap('products?page=1', ['catalog'], load('never'))).v).toBe('one');
    await a.invalidate(['catalog']);
    expect((await b.wrap('products?page=1', ['catalog'], load('fresh'))).v).toBe('fresh');

    const stats = await a.stats();
    expect(stats).toMatchObject({ backend, hits: 4, misses: 5 });
    expect(stats.hit_ratio).toBeCloseTo(4 / 9, 3);
    expect(stats.keys).toBeGreaterThanOrEqual(3);
    expect(await b.clear()).toBe(stats.keys);
    expect((await a.stats()).keys).toBe(0);
  });
});

describe('cache stats over HTTP', () => {
  let h: Harness;
  beforeAll(async () => void (h = await createHarness()));
  afterAll(() => h.close());

  it('shows cache stats and clears the cache for staff only', async () => {
    const staff = await createUser(h, { staff: true });
    const buyer = await createUser(h);
    const stats = await client(h, staff).get('/api/cache/stats/');
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      backend: isRedis ? 'redis' : 'memory',
      hits: expect.any(Number),
      keys: expect.any(Number),
    });
    const cleared = await client(h, staff).post('/api/cache/clear/');
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toEqual({ cleared: expect.any(Number) });
    expect((await client(h, buyer).get('/api/cache/stats/')).statusCode).toBe(403);
    expect((await client(h).post('/api/cache/clear/')).statusCode).toBe(401);
  });
});
