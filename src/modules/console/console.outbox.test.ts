// The development mailbox: only with DEBUG, mails written to DATA_DIR/outbox readable in the
// console, Russian subjects and the token in the text decoded. DEBUG also drops Secure cookies.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { consoleBrowser } from '../../../test/console-client.js';
import { createHarness, createUser, uniqueEmail, type Harness } from '../../../test/harness.js';

let h: Harness;
beforeAll(async () => void (h = await createHarness({ DEBUG: 'true', EMAIL_HOST: '' })));
afterAll(() => h.close());

it('lists the outbox and shows each mail decoded, token included', async () => {
  const email = uniqueEmail('outbox');
  const res = await client(h).post('/register/', {
    email,
    password: 'Sturdy-Lantern-42',
    first_name: 'Анна',
    last_name: 'Орлова',
  });
  expect(res.statusCode).toBe(201);
  await h.settle();

  const staff = await createUser(h, { staff: true });
  const b = consoleBrowser(h);
  const signIn = await b.signIn(staff.email);
  expect(signIn.cookies.find((c) => c.name === 'console_session')?.secure).toBeFalsy();
  const list = await b.get('/admin/outbox/');
  expect(list.statusCode).toBe(200);
  const link = new RegExp(`<td>${email}</td><td><a href="(/admin/outbox/[^"]+/)">([^<]+)</a>`);
  const [, href, subject] = link.exec(list.body)!;
  expect(subject).toMatch(/[а-яА-Я]/);
  const mail = await b.get(href!);
  expect(mail.statusCode).toBe(200);
  expect(mail.body).toMatch(/^[A-Za-z0-9_-]{43}$/m);
  expect(mail.body).toContain('Здравствуйте');
  expect((await b.get('/admin/outbox/..%2Fsecret_key/')).statusCode).toBe(404);
});
