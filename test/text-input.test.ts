// No text with a NUL character reaches the database: every way text enters is refused with a 400
// that names the field, and nothing is changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from './client.js';
import { createHarness, createUser, uniqueEmail, type Harness } from './harness.js';
import { importYaml, shopYaml } from '../src/modules/partner/partner.test-helpers.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

const NUL = 'a\u0000b';

function expectRefused(res: { statusCode: number; json(): any }, field: string) {
  expect(res.statusCode).toBe(400);
  expect(res.json().errors).toContainEqual({
    field,
    message: 'must not contain the NUL character (\\u0000)',
  });
}

describe('text with a NUL character', () => {
  it('is refused in registration, profile and contact fields, changing nothing', async () => {
    const email = uniqueEmail();
    const anonymous = client(h);
    const register = await anonymous.post('/register/', {
      email,
      password: 'Sturdy-Lantern-42',
      first_name: NUL,
      last_name: 'Петров',
    });
    expectRefused(register, 'first_name');
    // Nothing was made: the same address registers now (a taken one would be 409).
    const clean = { email, password: 'Sturdy-Lantern-42', first_name: 'Иван', last_name: 'Петров' };
    expect((await anonymous.post('/register/', clean)).statusCode).toBe(201);

    const user = await createUser(h);
    const me = client(h, user);
    expectRefused(await me.patch('/user/details/', { company: NUL }), 'company');
    expect((await me.get('/user/details/')).json().company).toBe('');
    expectRefused(
      await me.post('/contacts/add/', { phone: '+79161234567', city: 'Москва', street: NUL }),
      'street',
    );
    expect((await me.get('/contacts/')).json().count).toBe(0);
  });

  it('is refused in a search, and in price-list names and parameter values', async () => {
    expectRefused(await client(h).get('/products/?search=a%00b'), 'search');
    const shop = await createUser(h, { type: 'shop' });
    const yaml = shopYaml('Nul')
      .replace(/^shop: (.*)$/m, 'shop: "$1\\0"')
      .replace('"Диагональ (дюйм)": 6.5', '"Диагональ (дюйм)": "6.5\\0"');
    const res = await importYaml(h, shop, yaml);
    expect(res.json().type).toBe('/problems/invalid-price-list');
    expectRefused(res, 'shop');
    expect(res.json().errors.some((e: { field: string }) => /parameters/.test(e.field))).toBe(true);
    expect((await client(h, shop).get('/partner/state/')).statusCode).toBe(404);
  });
});

describe('text with a lone surrogate (JSON can write "\\ud800"; no UTF-8 can)', () => {
  it('is refused with 400 naming the field, in bodies, queries and headers', async () => {
    const user = await createUser(h);
    const me = client(h, user);
    const res = await me.post('/contacts/add/', undefined, {
      payload: '{"phone":"+79161234567","city":"\\ud800Москва","street":"Тверская"}',
      contentType: 'application/json',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'city', message: expect.stringContaining('lone surrogate') },
    ]);
    expect((await me.get('/contacts/')).json().count).toBe(0);
    expect((await client(h).get('/products/?search=%ED%A0%80')).statusCode).toBeLessThan(500);
    const key = await me.post(
      '/order/confirm/',
      { contact: 1 },
      { headers: { 'idempotency-key': 'ключ' } },
    );
    expect(key.statusCode).toBe(400);
    expect(key.json().errors[0].field).toBe('idempotency-key');
  });
});
