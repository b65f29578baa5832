// GET /metrics: what Prometheus reads (requests by route and status class, orders, imports,
// cache, refusals, jobs), and who may read it (METRICS_TOKEN; open only in DEBUG without one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer, createShop } from './catalog-factory.js';
import { client } from './client.js';
import { createHarness, createUser, type Harness } from './harness.js';
import { placeOrder } from './order-factory.js';
import { importYaml, shopYaml } from '../src/modules/partner/partner.test-helpers.js';

const TOKEN = 'prometheus-token-of-the-metrics-test';
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

let h: Harness;
beforeAll(
  async () =>
    void (h = await createHarness({
      METRICS_TOKEN: TOKEN,
      CACHE_ENABLED: 'true',
      THROTTLE_ANON: '2/day',
    })),
);
afterAll(() => h?.close());

/** The value of one series in the exposition text (`name{labels} value`). */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('answers only with Authorization: Bearer <METRICS_TOKEN>', async () => {
    const buyer = await createUser(h);
    const refusals = [
      await client(h).get('/metrics'),
      await client(h).get('/metrics', bearer('not-the-token-of-the-metrics-test')),
      await client(h, buyer).get('/metrics'), // an API token is not the metrics token
    ];
    for (const res of refusals) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    const res = await client(h).get('/metrics', bearer(TOKEN));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.headers['ratelimit']).toBeUndefined();
  });

  it('is open to anyone only in DEBUG without a token, and closed otherwise', async () => {
    const debug = await createHarness({ DEBUG: 'true' });
    const closed = await createHarness();
    try {
      expect((await client(debug).get('/metrics')).statusCode).toBe(200);
      const res = await client(closed).get('/metrics');
      expect(res.statusCode).toBe(401);
      expect(res.json().detail).toContain('METRICS_TOKEN');
    } finally {
      await Promise.all([debug.close(), closed.close()]);
    }
  });

  it('counts requests, orders, imports, cache lookups and refusals, and shows the job queues', async () => {
    const [buyer, shopUser, rival] = await Promise.all([
      createUser(h),
      createUser(h, { type: 'shop' }),
      createUser(h, { type: 'shop' }),
    ]);
    await client(h).get('/health/', { remoteAddress: '10.9.0.1' });
    await client(h, buyer).get('/no/such/page/');
    // Two orders placed, one canceled.
    const shop = await createShop(h, { userId: shopUser.id });
    const offer = await createOffer(h, shop, { quantity: 10 });
    const first = await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
    await placeOrder(h, buyer, [{ offer, quantity: 1 }]);
    expect((await client(h, buyer).post('/order/cancel/', { id: first.id })).statusCode).toBe(200);
    // An import that writes, and one the catalog refuses (the shop name is taken).
    const yaml = shopYaml('Metrics');
    const imported = await importYaml(h, rival, yaml);
    expect(imported.statusCode).toBe(200);
    expect((await importYaml(h, shopUser, yaml)).statusCode).toBe(409);
    // A catalog page twice: a miss, then a hit.
    for (let i = 0; i < 2; i++) await client(h, buyer).get(`/categories/?page_size=7`);
    // The anonymous limit is 2 a day: the third request from one address is refused.
    for (let i = 0; i < 3; i++) await client(h).get('/shops/', { remoteAddress: '10.9.0.2' });

    const text = (await client(h).get('/metrics', bearer(TOKEN))).body;
    const health = 'method="GET",route="/health/",status_class="2xx"';
    expect(valueOf(text, `http_request_duration_seconds_count{${health}}`)).toBe(1);
    expect(text).toContain(`http_request_duration_seconds_bucket{le="0.005",${health}}`);
    expect(
      valueOf(
        text,
        'http_request_duration_seconds_count{method="GET",route="unmatched",status_class="4xx"}',
      ),
    ).toBe(1);
    expect(valueOf(text, 'purchases_orders_placed_total')).toBe(2);
    expect(valueOf(text, 'purchases_orders_canceled_total')).toBe(1);
    expect(valueOf(text, 'purchases_price_list_imports_total{outcome="ok"}')).toBe(1);
    expect(valueOf(text, 'purchases_price_list_imports_total{outcome="refused"}')).toBe(1);
    expect(valueOf(text, 'purchases_price_list_import_duration_seconds_count{outcome="ok"}')).toBe(
      1,
    );
    expect(valueOf(text, 'purchases_price_list_goods_written_total{change="created"}')).toBe(
      imported.json().created,
    );
    expect(valueOf(text, 'purchases_cache_hits_total{scope="catalog"}')).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'purchases_cache_misses_total{scope="catalog"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(valueOf(text, 'purchases_rate_limit_refusals_total{limit="anon"}')).toBe(1);
    expect(valueOf(text, 'purchases_jobs{queue="mail",state="failed"}')).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'purchases_process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});
