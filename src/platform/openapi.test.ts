import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../test/client.js';
import { createHarness, type Harness } from '../../test/harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

/** `/order/:id/` → `/order/{id}/`, as OpenAPI writes paths. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z_]+)/g, '{$1}');

describe('API documentation', () => {
  it('documents every registered route with its statuses and the token scheme', async () => {
    const res = await client(h).get('/api/schema/');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(doc.components.securitySchemes.Token).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
    });

    const routes = h.app.registeredRoutes.filter((r) => r.documented);
    for (const { method, url } of routes) {
      const op = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
      expect(op, `${method} ${url} is missing from the schema`).toBeDefined();
    }
    for (const { method, url, role } of h.app.protectedRoutes) {
      const op = doc.paths[openApiPath(url)][method.toLowerCase()];
      expect(op.security, `${method} ${url}`).toEqual([{ Token: [] }]);
      expect(Object.keys(op.responses)).toContain('401');
      if (role !== 'user') expect(Object.keys(op.responses)).toContain('403');
    }
    const register = doc.paths['/register/'].post;
    expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(['201', '400', '409']));
  });

  it('serves YAML on request', async () => {
    const res = await client(h).get('/api/schema?format=yaml');
    expect(res.headers['content-type']).toContain('yaml');
    expect(res.body).toMatch(/^openapi: 3\.1/m);
  });

  it('serves Swagger UI and ReDoc with their assets from the app itself', async () => {
    const swagger = await client(h).get('/api/docs/');
    expect(swagger.statusCode).toBe(200);
    expect(swagger.body).not.toMatch(/(src|href)="https?:/);
    const assets = [...swagger.body.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map(
      (m) => m[1]!,
    );
    expect(assets.length).toBeGreaterThan(1);
    for (const asset of assets) {
      const url = asset.startsWith('/') ? asset : `/api/docs/${asset}`;
      expect((await client(h).get(url)).statusCode, url).toBe(200);
    }

    const redoc = await client(h).get('/api/redoc/');
    expect(redoc.body).toContain('<redoc spec-url="/api/schema/">');
    expect(redoc.body).not.toMatch(/https?:\/\//);
    const redocJs = await client(h).get('/api/redoc/redoc.standalone.js');
    expect(redocJs.statusCode).toBe(200);
    expect(redocJs.body.length).toBeGreaterThan(100_000);
  });
});
