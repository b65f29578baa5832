import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, type Harness } from '../../../test/harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

describe('problem types', () => {
  it('describes every problem type an error can carry, at its type URI', async () => {
    const list = await client(h).get('/problems/');
    expect(list.statusCode).toBe(200);
    const types = list.json<{ type: string; code: string; status: number; title: string }[]>();
    expect(types.length).toBeGreaterThanOrEqual(30);
    expect(types).toContainEqual(
      expect.objectContaining({ type: '/problems/insufficient-stock', status: 409 }),
    );
    for (const t of types) {
      const one = await client(h).get(`${t.type}/`);
      expect(one.statusCode, t.type).toBe(200);
      expect(one.json()).toMatchObject({ code: t.code, status: t.status, title: t.title });
      expect(one.json().description.length).toBeGreaterThan(10);
    }
  });

  it('answers an error with a type that resolves, and an unknown type with 404', async () => {
    const missing = await client(h).get('/problems/no-such-problem/');
    expect(missing.statusCode).toBe(404);
    const type = missing.json().type as string;
    expect(type).toBe('/problems/not-found');
    expect((await client(h).get(type)).json()).toMatchObject({ status: 404 });
  });

  it('names every code in the OpenAPI Problem schema', async () => {
    const schema = (await client(h).get('/api/schema/')).json();
    const described: string = schema.components.schemas.Problem.properties.type.description;
    const types = (await client(h).get('/problems/')).json<{ code: string }[]>();
    for (const t of types) expect(described).toContain(`\`${t.code}\``);
  });
});

describe('the root page', () => {
  it('says what the service is and links to its documentation, each link answering', async () => {
    const res = await client(h).get('/');
    expect(res.statusCode).toBe(200);
    const index = res.json<{ name: string; version: string; links: Record<string, string> }>();
    expect(index).toMatchObject({
      name: 'Purchases API',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(index.links).toMatchObject({
      docs: '/api/docs/',
      schema: '/api/schema/',
      health: '/health/',
    });
    for (const link of Object.values(index.links))
      expect((await client(h).get(link)).statusCode, link).toBe(200);
  });
});
