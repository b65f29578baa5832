import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createHarness, createUser, type Harness, type TestUser } from '../../../test/harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

const address = { phone: '+7 (916) 123-45-67', city: 'Москва', street: 'Тверская', house: '7' };

const add = (user: TestUser, body: object) => client(h, user).post('/contacts/add/', body);
const list = (user: TestUser, query = '') => client(h, user).get(`/contacts/${query}`);

describe('contacts', () => {
  it('adds, lists, updates and deletes, storing the phone in international form', async () => {
    const user = await createUser(h);
    const created = await add(user, { ...address, first_name: 'Анна', email: 'anna@example.com' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      phone: '+79161234567',
      city: 'Москва',
      first_name: 'Анна',
      apartment: '',
    });
    const id = created.json().id;

    const page = (await list(user)).json();
    expect(page).toMatchObject({ count: 1, next: null, previous: null });
    expect(page.results[0].id).toBe(id);

    const updated = await client(h, user).put('/contacts/update/', {
      id,
      apartment: '12',
      city: 'Казань',
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      id,
      apartment: '12',
      city: 'Казань',
      street: 'Тверская',
    });

    const deleted = await client(h, user).delete('/contacts/delete/', { items: [id] });
    expect(deleted.json()).toEqual({ deleted: 1 });
    expect((await list(user)).json().count).toBe(0);
  });

  it('validates the phone and the required fields, reporting each', async () => {
    const user = await createUser(h);
    const res = await add(user, { phone: '12345', street: '', extra: 1 });
    expect(res.statusCode).toBe(400);
    const fields = res
      .json()
      .errors.map((e: { field: string }) => e.field)
      .sort();
    expect(fields).toEqual(['city', 'extra', 'phone', 'street']);
    expect((await list(user)).json().count).toBe(0);
  });

  it('allows at most 5 contacts, also when added in parallel', async () => {
    const user = await createUser(h);
    const answers = await Promise.all(Array.from({ length: 8 }, () => add(user, address)));
    expect(answers.filter((r) => r.statusCode === 201)).toHaveLength(5);
    const refused = answers.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(3);
    expect(refused[0]!.json().detail).toMatch(/5 contacts/);
    expect((await list(user)).json().count).toBe(5);
  });

  it("never shows or touches another user's contact", async () => {
    const owner = await createUser(h);
    const other = await createUser(h);
    const id = (await add(owner, address)).json().id;

    expect((await list(other)).json().count).toBe(0);
    const update = await client(h, other).put('/contacts/update/', { id, city: 'Хакер' });
    expect(update.statusCode).toBe(404);
    const del = await client(h, other).delete('/contacts/delete/', { items: [id] });
    expect(del.statusCode).toBe(404);
    expect((await list(owner)).json().results[0]).toMatchObject({ id, city: 'Москва' });
  });

  it('deletes nothing when one of the named contacts is not the user’s', async () => {
    const user = await createUser(h);
    const id = (await add(user, address)).json().id;
    const res = await client(h, user).delete('/contacts/delete/', { items: [id, 2_000_000_000] });
    expect(res.statusCode).toBe(404);
    expect((await list(user)).json().count).toBe(1);
  });

  it('paginates with absolute links and refuses bad page values', async () => {
    const user = await createUser(h);
    for (let i = 0; i < 3; i++) await add(user, address);
    const first = (await list(user, '?page_size=2')).json();
    expect(first.results).toHaveLength(2);
    expect(first.next).toMatch(/^http:\/\/[^/]+\/contacts\/\?page_size=2&page=2$/);
    const next = new URL(first.next);
    const second = (await client(h, user).get(next.pathname + next.search)).json();
    expect(second.results).toHaveLength(1);
    expect(second.previous).toMatch(/page_size=2$/);
    for (const query of ['?page=abc', '?page_size=101', '?page=0']) {
      expect((await list(user, query)).statusCode, query).toBe(400);
    }
    expect((await list(user, '?page=9')).statusCode).toBe(404);
  });
});
