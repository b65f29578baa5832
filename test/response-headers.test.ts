// What every answer says to browsers and caches.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client } from './client.js';
import { createHarness, createUser, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

it('forbids type sniffing and referrers everywhere, and shared caching of signed-in answers', async () => {
  const anonymous = await client(h).get('/products/');
  const missing = await client(h).get('/no/such/page/');
  const signedIn = await client(h, await createUser(h)).get('/cart/');
  for (const res of [anonymous, missing, signedIn]) {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  }
  expect(signedIn.headers['cache-control']).toBe('no-store');
  expect(anonymous.headers['cache-control']).toBeUndefined();
});

it('serves the documentation pages with a Content-Security-Policy that allows only this host', async () => {
  const swagger = await client(h).get('/api/docs/');
  const redoc = await client(h).get('/api/redoc/');
  for (const res of [swagger, redoc]) {
    expect(res.statusCode).toBe(200);
    const policy = String(res.headers['content-security-policy']);
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/https:|http:|\*/);
  }
  for (const res of [swagger, redoc])
    expect(String(res.headers['content-security-policy'])).toMatch(/script-src 'self' *;/);
});
