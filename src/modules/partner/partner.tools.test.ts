import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness } from '../../../test/harness.js';
import { importYaml, shopYaml } from './partner.test-helpers.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

describe('export, state and jobs', () => {
  it('exports the price list as YAML; importing the export changes nothing', async () => {
    const shop = await createUser(h, { type: 'shop' });
    await importYaml(h, shop, shopYaml());
    const res = await client(h, shop).get('/partner/export/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/yaml');
    expect(res.body).toContain('"Диагональ (дюйм)": 6.5\n');
    expect(res.body).toContain('"Разрешение (пикс)": 2688x1242\n');
    expect(res.body).toContain('"Smart TV": true\n');
    expect(res.body).toContain('  - id: 224\n    name: Смартфоны\n');
    const back = await importYaml(h, shop, res.body);
    expect(back.json()).toMatchObject({ categories: 4, created: 0, updated: 0, withdrawn: 0 });
  });

  it('switches order taking off and on', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const partner = client(h, shop);
    expect((await partner.get('/partner/state/')).statusCode).toBe(404);
    const { shop: s } = (await importYaml(h, shop, shopYaml())).json();
    const get = await partner.get('/partner/state/');
    expect(get.json()).toEqual({ id: s.id, name: s.name, state: true });
    const off = await partner.post('/partner/state/', { state: false });
    expect(off.json()).toEqual({ id: s.id, name: s.name, state: false });
    const bad = await partner.post('/partner/state/', { state: 'off' });
    expect(bad.statusCode).toBe(400);
    const on = await partner.post('/partner/state/', { state: true });
    expect(on.json().state).toBe(true);
  });

  it('imports in the background with ?async=true; only the owner sees the job', async () => {
    const [shop, other] = await Promise.all([
      createUser(h, { type: 'shop' }),
      createUser(h, { type: 'shop' }),
    ]);
    const res = await importYaml(h, shop, shopYaml(), '?async=true');
    expect(res.statusCode).toBe(202);
    const { job_id } = res.json();
    await h.settle();
    const job = await client(h, shop).get(`/partner/jobs/${job_id}/`);
    expect(job.json()).toMatchObject({
      id: job_id,
      state: 'completed',
      progress: { done: 14, total: 14 },
      result: { categories: 4, created: 14, updated: 0, withdrawn: 0 },
      errors: null,
    });
    const foreign = await client(h, other).get(`/partner/jobs/${job_id}/`);
    expect(foreign.statusCode).toBe(404);
    const unknown = await client(h, shop).get('/partner/jobs/nope/');
    expect(unknown.statusCode).toBe(404);

    const bad = await importYaml(
      h,
      shop,
      shopYaml().replace('price: 110000', 'price: -1'),
      '?async=true',
    );
    await h.settle();
    const failed = await client(h, shop).get(`/partner/jobs/${bad.json().job_id}/`);
    expect(failed.json()).toMatchObject({
      state: 'failed',
      result: null,
      errors: [{ field: 'goods[0].price', message: 'must be an integer ≥ 0' }],
    });
  });
});
