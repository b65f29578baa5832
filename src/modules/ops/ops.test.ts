import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../../test/harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

describe('problem types', () => {
  it('describes every problem type an error can carry, at its type URI', async () => {
    const list = await h.app.inject({ url: '/problems/' });
    expect(list.statusCode).toBe(200);
    const types = list.json<{ type: string; code: string; status: number; title: string }[]>();
    expect(types.length).toBeGreaterThanOrEqual(30);
    expect(types).toContainEqual(
      expect.objectContaining({ type: '/problems/insufficient-stock', status: 409 }),
    );
    for (const t of types) {
      const one = await h.app.inject({ url: `${t.type}/` });
      expect(one.statusCode, t.type).toBe(200);
      expect(one.json()).toMatchObject({ code: t.code, status: t.status, title: t.title });
      expect(one.json().description.length).toBeGreaterThan(10);
    }
  });

  it('answers an error with a type that resolves, and an unknown type with 404', async () => {
    const missing = await h.app.inject({ url: '/problems/no-such-problem/' });
    expect(missing.statusCode).toBe(404);
    const type = missing.json().type as string;
    expect(type).toBe('/problems/not-found');
    expect((await h.app.inject({ url: type })).json()).toMatchObject({ status: 404 });
  });

  it('names every code in the OpenAPI Problem schema', async () => {
    const schema = (await h.app.inject({ url: '/api/schema/' })).json();
    const described: string = schema.components.schemas.Problem.properties.type.description;
    const types = (await h.app.inject({ url: '/problems/' })).json<{ code: string }[]>();
    for (const t of types) expect(described).toContain(`\`${t.code}\``);
  });
});
