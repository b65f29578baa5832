// Price lists by URL against a real local HTTP server, with the private-address switch off and on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness, type TestUser } from '../../../test/harness.js';
import { importYaml, shopYaml } from './partner.test-helpers.js';
import { fetchPriceList, isPrivateAddress } from './url-fetch.js';

let server: Server;
let base: string;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    const to = (location: string) => res.writeHead(302, { location }).end();
    if (req.url === '/list.yaml')
      return res.writeHead(200, { 'content-type': 'application/yaml' }).end(shopYaml('Url'));
    if (req.url === '/redirect') return to('/list.yaml');
    if (req.url === '/loop') return to('/loop');
    if (req.url === '/to-private') return to(`http://127.0.0.2:${port}/list.yaml`);
    if (req.url === '/to-file') return to('file:///etc/passwd');
    res.writeHead(404).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (h: Harness, shop: TestUser, url: string) =>
  client(h, shop).post('/partner/update/', { url });

describe('with IMPORT_ALLOW_PRIVATE_URLS off', () => {
  let h: Harness;
  beforeAll(async () => void (h = await createHarness()));
  afterAll(() => h.close());

  it('refuses loopback addresses, by literal and by name, and non-http schemes', async () => {
    const shop = await createUser(h, { type: 'shop' });
    for (const url of [
      `${base}/list.yaml`,
      `http://localhost:${port}/list.yaml`,
      `http://[::1]:${port}/`,
    ]) {
      const res = await post(h, shop, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().type, url).toBe('/problems/url-refused');
    }
    for (const url of ['ftp://example.com/x.yaml', 'file:///etc/passwd', 'not a url']) {
      expect((await post(h, shop, url)).json().type, url).toBe('/problems/url-refused');
    }
  });

  it('refuses a redirect to a private address (only 127.0.0.1 allowed here)', async () => {
    const opts = {
      maxBytes: 1 << 20,
      allowPrivate: false,
      isBlocked: (a: string) => a !== '127.0.0.1',
    };
    expect((await fetchPriceList(`${base}/redirect`, opts)).toString()).toContain('categories:');
    await expect(fetchPriceList(`${base}/to-private`, opts)).rejects.toMatchObject({
      code: 'url-refused',
    });
    await expect(fetchPriceList(`${base}/to-file`, opts)).rejects.toMatchObject({
      code: 'url-refused',
    });
  });

  it('knows private, loopback, link-local, CGNAT, multicast and IPv4-mapped addresses', () => {
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '224.0.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('with IMPORT_ALLOW_PRIVATE_URLS on', () => {
  let h: Harness;
  beforeAll(async () => void (h = await createHarness({ IMPORT_ALLOW_PRIVATE_URLS: 'true' })));
  afterAll(() => h.close());

  it('fetches the price list, following redirects', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const res = await post(h, shop, `${base}/redirect`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ categories: 4, created: 14 });
  });

  it('reports non-2xx answers and redirect loops as 4xx problems', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const missing = await post(h, shop, `${base}/missing`);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toMatch(/404/);
    const loop = await post(h, shop, `${base}/loop`);
    expect(loop.statusCode).toBe(400);
    expect(loop.json().detail).toMatch(/redirected more than 5 times/);
  });
});

describe('with a small PRICE_LIST_MAX_MB', () => {
  let h: Harness;
  beforeAll(
    async () =>
      void (h = await createHarness({
        PRICE_LIST_MAX_MB: '0.002',
        IMPORT_ALLOW_PRIVATE_URLS: 'true',
      })),
  );
  afterAll(() => h.close());

  it('refuses oversized bodies, uploads and downloads with 413', async () => {
    const shop = await createUser(h, { type: 'shop' });
    const big = shopYaml();
    expect(big.length).toBeGreaterThan(2100);
    const raw = await importYaml(h, shop, big);
    expect(raw.statusCode).toBe(413);
    expect(raw.json().type).toBe('/problems/price-list-too-large');

    const form = new FormData();
    form.append('file', new Blob([big]), 'big.yaml');
    const req = new Request('http://x/', { method: 'POST', body: form });
    const upload = await client(h, shop).post('/partner/update/', undefined, {
      payload: Buffer.from(await req.arrayBuffer()),
      contentType: req.headers.get('content-type')!,
    });
    expect(upload.statusCode).toBe(413);
    expect((await post(h, shop, `${base}/list.yaml`)).statusCode).toBe(413);
  });
});
