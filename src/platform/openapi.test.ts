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

  it('gives every operation an id, a description, described tags and examples in the real shape', async () => {
    const doc = (await client(h).get('/api/schema/')).json();
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license).toMatchObject({ name: 'ISC' });
    const described = new Set<string>(doc.tags.map((t: { name: string }) => t.name));
    const tagged = new Set<string>();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, Operation>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const what = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, what).toMatch(/^[a-z][A-Za-z]+$/);
        expect(ids.has(op.operationId), `${what}: operationId taken`).toBe(false);
        ids.add(op.operationId);
        expect(op.description?.length, what).toBeGreaterThan(20);
        for (const tag of op.tags) expect(described.has(tag), `${what}: tag ${tag}`).toBe(true);
        op.tags.forEach((t) => tagged.add(t));
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
          if (type !== 'multipart/form-data')
            expect('example' in media || 'examples' in media, `${what} ${type} example`).toBe(true);
        // Only the Sentry test route exists to fail (redocly.yaml turns that rule off for it).
        if (what !== 'GET /api/sentry/test/')
          expect(
            Object.keys(op.responses).some((s) => /^2/.test(s)),
            `${what} 2xx`,
          ).toBe(true);
        for (const [status, response] of Object.entries(op.responses)) {
          expect(response.description, `${what} ${status}`).not.toBe('Default Response');
          expect(response.headers?.['X-Request-Id'], `${what} ${status}`).toBeDefined();
          for (const [type, media] of Object.entries(response.content ?? {}))
            expect('example' in media, `${what} ${status} ${type} example`).toBe(true);
          if (Number(status) >= 400)
            expect(Object.keys(response.content ?? {}), `${what} ${status}`).toEqual([
              'application/problem+json',
            ]);
          if (status === '401') expect(response.headers!['WWW-Authenticate']).toBeDefined();
          if (status === '429') expect(response.headers!['Retry-After']).toBeDefined();
          if ('429' in op.responses) expect(response.headers!.RateLimit).toBeDefined();
        }
      }
    }
    expect([...described].filter((t) => !tagged.has(t))).toEqual([]);
    // Only the bounds a field really has: none of JavaScript's safe-integer limits.
    expect(JSON.stringify(doc)).not.toMatch(/9007199254740991/);
  });

  it('documents what the routes really send and take: media types, files, headers', async () => {
    const doc = (await client(h).get('/api/schema/')).json();
    const op = (path: string, method: string): Operation => doc.paths[path][method];
    expect(Object.keys(op('/metrics', 'get').responses['200']!.content!)).toEqual([
      'text/plain; version=0.0.4; charset=utf-8',
    ]);
    expect(Object.keys(op('/partner/export/', 'get').responses['200']!.content!)).toEqual([
      'application/yaml',
    ]);
    const upload = op('/partner/update/', 'post').requestBody!.content;
    expect(upload['multipart/form-data']!.schema).toMatchObject({
      properties: { file: { type: 'string', format: 'binary' } },
    });
    expect(upload['application/yaml']!.schema).toMatchObject({ type: 'string' });
    expect(upload['application/json']!.schema).toMatchObject({ properties: { url: {} } });
    const confirmed = op('/order/confirm/', 'post').responses['201']!;
    expect(confirmed.headers!['Idempotent-Replayed']).toBeDefined();
    // The examples the document shows are answers the service gives: the problem example too.
    const problem = op('/contacts/add/', 'post').responses['409']!.content![
      'application/problem+json'
    ]!.example as { type: string; status: number };
    expect(problem.status).toBe(409);
    expect((await client(h).get(`${problem.type}/`)).statusCode).toBe(200);
    // Multipart pictures are described as files.
    const avatar = op('/user/avatar/upload/', 'put').requestBody!.content['multipart/form-data']!;
    const ref = (avatar.schema as { $ref: string }).$ref.split('/').pop()!;
    expect(doc.components.schemas[ref].properties.avatar).toMatchObject({ format: 'binary' });
  });
});

interface Media {
  schema: unknown;
  example?: unknown;
  examples?: unknown;
}
interface Operation {
  operationId: string;
  description?: string;
  tags: string[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<
    string,
    { description: string; headers?: Record<string, unknown>; content?: Record<string, Media> }
  >;
}
