import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import {
  createAccount,
  createHarness,
  createUser,
  PASSWORD,
  uniqueEmail,
  type Harness,
} from '../../../test/harness.js';
import { authTokens, users } from './accounts.tables.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness()));
afterAll(() => h.close());

const post = (url: string, body: object) => client(h).post(url, body);
/** GET /user/details/ with this API token. */
const detailsWith = (token: string) =>
  client(h).get('/user/details/', { headers: { authorization: `Token ${token}` } });

const newAccount = (email = uniqueEmail()) => ({
  email,
  password: 'Sturdy-Lantern-42',
  first_name: 'Иван',
  last_name: 'Петров',
});

const credentials = (a: { email: string; password: string }) => ({
  email: a.email,
  password: a.password,
});

/** The token that stands alone on its line in the mail's text. */
const tokenIn = (text: string) => /^([A-Za-z0-9_-]{40,})$/m.exec(text)![1]!;

async function registerAndActivate(account = newAccount()) {
  expect((await post('/register/', account)).statusCode).toBe(201);
  const mail = await h.smtp.waitFor(account.email, /Подтверждение/);
  expect(
    (await post('/useractivation/', { email: account.email, token: tokenIn(mail.text) }))
      .statusCode,
  ).toBe(200);
  return account;
}

describe('registration and activation', () => {
  it('registers an inactive user, mails a token in Russian, and the token activates the account', async () => {
    const account = newAccount();
    const res = await post('/register/', {
      ...account,
      email: account.email.toUpperCase(),
      type: 'shop',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      email: account.email,
      type: 'shop',
      is_active: false,
      avatar: null,
    });
    expect(res.json()).not.toHaveProperty('password');

    const mail = await h.smtp.waitFor(account.email, /Подтверждение регистрации/);
    expect(mail.text).toContain('Здравствуйте');
    expect(mail.html).toContain(tokenIn(mail.text));

    expect((await post('/login/', credentials(account))).statusCode).toBe(401);
    const activated = await post('/useractivation/', {
      email: account.email,
      token: tokenIn(mail.text),
    });
    expect(activated.statusCode).toBe(200);
    const login = await post('/login/', credentials(account));
    expect(login.statusCode).toBe(200);
    const details = await detailsWith(login.json().token);
    expect(details.json()).toMatchObject({
      email: account.email,
      first_name: 'Иван',
      type: 'shop',
      is_active: true,
    });
  });

  it('refuses a duplicate email with 409, whatever its case', async () => {
    const account = newAccount();
    expect((await post('/register/', account)).statusCode).toBe(201);
    const again = await post('/register/', { ...account, email: account.email.toUpperCase() });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
  });

  it('reports every reason a password is weak and creates nothing', async () => {
    const email = uniqueEmail();
    const res = await post('/register/', { ...newAccount(email), password: '1234567' });
    expect(res.statusCode).toBe(400);
    const messages = res
      .json()
      .errors.map((e: { field: string; message: string }) => `${e.field}: ${e.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'password: must be at least 8 characters long',
        'password: must not be entirely numeric',
        'password: is too common',
      ]),
    );
    const similar = await post('/register/', {
      ...newAccount(email),
      last_name: 'Zaharchenko',
      password: 'zaharchenko1',
    });
    expect(similar.json().errors).toContainEqual({
      field: 'password',
      message: 'is too similar to the last name',
    });
    expect(await h.database.db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
  });

  it('accepts a token once, and not after it expires', async () => {
    const account = newAccount();
    await post('/register/', account);
    const token = tokenIn((await h.smtp.waitFor(account.email)).text);
    expect(
      (await post('/useractivation/', { email: account.email, token: 'x'.repeat(43) })).statusCode,
    ).toBe(400);
    expect((await post('/useractivation/', { email: account.email, token })).statusCode).toBe(200);
    expect((await post('/useractivation/', { email: account.email, token })).statusCode).toBe(400);

    const late = newAccount();
    await post('/register/', late);
    const lateToken = tokenIn((await h.smtp.waitFor(late.email)).text);
    h.clock.advance(2 * 3600_000 + 1000);
    try {
      const res = await post('/useractivation/', { email: late.email, token: lateToken });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toMatch(/expired/);
    } finally {
      h.clock.advance(-(2 * 3600_000 + 1000));
    }
  });

  it('resends a fresh token (the old one stops working) and answers 202 for unknown emails', async () => {
    const account = newAccount();
    await post('/register/', account);
    const first = tokenIn((await h.smtp.waitFor(account.email)).text);
    expect((await post('/useractivation/resend/', { email: uniqueEmail() })).statusCode).toBe(202);
    expect((await post('/useractivation/resend/', { email: account.email })).statusCode).toBe(202);
    await h.settle();
    const mails = h.smtp.received.filter((m) => m.to.includes(account.email));
    expect(mails).toHaveLength(2);
    const second = tokenIn(mails[1]!.text);
    expect(second).not.toBe(first);
    expect(
      (await post('/useractivation/', { email: account.email, token: first })).statusCode,
    ).toBe(400);
    expect(
      (await post('/useractivation/', { email: account.email, token: second })).statusCode,
    ).toBe(200);
  });

  it('keeps only a hash of tokens', async () => {
    const account = await createAccount(h);
    const login = await post('/login/', { email: account.email, password: PASSWORD });
    expect(login.statusCode).toBe(200);
    const user = { id: account.id, token: login.json().token as string };
    const rows = await h.database.db
      .select()
      .from(authTokens)
      .where(eq(authTokens.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.keyHash).not.toContain(user.token);
    expect(rows[0]!.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('login', () => {
  it('answers an unknown email, a wrong password and an inactive account alike', async () => {
    const active = await createUser(h);
    const inactive = newAccount();
    await post('/register/', inactive);
    const answers = await Promise.all([
      post('/login/', { email: uniqueEmail(), password: PASSWORD }),
      post('/login/', { email: active.email, password: 'Wrong-Password-99' }),
      post('/login/', credentials(inactive)),
    ]);
    for (const res of answers) expect(res.statusCode).toBe(401);
    const bodies = answers.map((r) => {
      const { request_id: _id, ...rest } = r.json();
      return rest;
    });
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('refuses with 429 and Retry-After after 10 failures within 15 minutes, then lets the user in', async () => {
    const user = await createUser(h);
    for (let i = 0; i < 10; i++) {
      expect(
        (await post('/login/', { email: user.email, password: `Wrong-${i}-password` })).statusCode,
      ).toBe(401);
    }
    const blocked = await post('/login/', { email: user.email, password: PASSWORD });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // Another account is not affected.
    expect(
      (await post('/login/', { email: (await createUser(h)).email, password: PASSWORD }))
        .statusCode,
    ).toBe(200);

    h.clock.advance(15 * 60_000 + 1000);
    try {
      expect((await post('/login/', { email: user.email, password: PASSWORD })).statusCode).toBe(
        200,
      );
    } finally {
      h.clock.advance(-(15 * 60_000 + 1000));
    }
  });

  it('accepts Token and Bearer, and 401 carries WWW-Authenticate', async () => {
    const user = await createUser(h);
    const bearer = await client(h).get('/user/details/', {
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(bearer.statusCode).toBe(200);
    const tries: Record<string, string>[] = [
      {},
      { authorization: 'Token nope' },
      { authorization: 'Basic abc' },
    ];
    for (const headers of tries) {
      const res = await client(h).get('/user/details/', { headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Token');
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('logout revokes exactly the token used', async () => {
    const user = await createUser(h);
    const second = (await post('/login/', { email: user.email, password: PASSWORD })).json().token;
    expect((await client(h, user).post('/logout/', {})).statusCode).toBe(204);
    expect((await client(h, user).get('/user/details/')).statusCode).toBe(401);
    const other = await detailsWith(second);
    expect(other.statusCode).toBe(200);
  });
});

describe('user details', () => {
  it('changes names and refuses fields that are not writable', async () => {
    const user = await createUser(h);
    const patch = (body: object) => client(h, user).patch('/user/details/', body);
    const ok = await patch({ first_name: 'Анна', company: 'ООО Ромашка', position: 'закупщик' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      first_name: 'Анна',
      company: 'ООО Ромашка',
      position: 'закупщик',
    });

    const sneaky = await patch({ first_name: 'Eve', is_staff: true, type: 'shop', email: 'x@y.z' });
    expect(sneaky.statusCode).toBe(400);
    expect(
      sneaky
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['email', 'is_staff', 'type']);
    const [row] = await h.database.db.select().from(users).where(eq(users.id, user.id));
    expect(row).toMatchObject({ firstName: 'Анна', isStaff: false, type: 'buyer' });
  });

  it('changes the password only with the current one, and signs out other tokens', async () => {
    const user = await createUser(h);
    const other = (await post('/login/', { email: user.email, password: PASSWORD })).json().token;
    const patch = (body: object) => client(h, user).patch('/user/details/', body);
    expect((await patch({ password: 'Brand-New-Secret-8' })).statusCode).toBe(400);
    expect(
      (await patch({ password: 'Brand-New-Secret-8', current_password: 'wrong' })).statusCode,
    ).toBe(400);
    expect(
      (await patch({ password: 'Brand-New-Secret-8', current_password: PASSWORD })).statusCode,
    ).toBe(200);

    expect((await client(h, user).get('/user/details/')).statusCode).toBe(200);
    const revoked = await detailsWith(other);
    expect(revoked.statusCode).toBe(401);
    expect(
      (await post('/login/', { email: user.email, password: 'Brand-New-Secret-8' })).statusCode,
    ).toBe(200);
  });
});

describe('password reset', () => {
  it('mails a token that sets a new password and revokes every token of the account', async () => {
    const account = await registerAndActivate();
    const token = (await post('/login/', credentials(account))).json().token;
    expect((await post('/password/reset/', { email: uniqueEmail() })).statusCode).toBe(202);
    expect((await post('/password/reset/', { email: account.email })).statusCode).toBe(202);
    const mail = await h.smtp.waitFor(account.email, /Сброс пароля/);

    const weak = await post('/password/reset/confirm/', {
      email: account.email,
      token: tokenIn(mail.text),
      password: 'password',
    });
    expect(weak.statusCode).toBe(400);
    const done = await post('/password/reset/confirm/', {
      email: account.email,
      token: tokenIn(mail.text),
      password: 'Another-Good-One-5',
    });
    expect(done.statusCode).toBe(200);
    const old = await detailsWith(token);
    expect(old.statusCode).toBe(401);
    expect((await post('/login/', credentials(account))).statusCode).toBe(401);
    expect(
      (await post('/login/', { email: account.email, password: 'Another-Good-One-5' })).statusCode,
    ).toBe(200);
    const reused = await post('/password/reset/confirm/', {
      email: account.email,
      token: tokenIn(mail.text),
      password: 'Yet-Another-One-6',
    });
    expect(reused.statusCode).toBe(400);
  });
});
