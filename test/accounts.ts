// Accounts made straight in the database, for tests and for the processes tests start (a plain
// module without vitest, so a child process can import it too).
import { randomBytes } from 'node:crypto';
import { hashSecret, newSecret } from '../src/lib/tokens.js';
import { hashPassword } from '../src/modules/accounts/passwords.js';
import type { Database } from '../src/platform/db/client.js';
import { authTokens, users } from '../src/platform/db/schema.js';

/** An address no other test uses, so tests never see each other's rows. */
export const uniqueEmail = (label = 'user') =>
  `${label}-${randomBytes(6).toString('hex')}@example.com`;

export const PASSWORD = 'Correct-Horse-Battery-7';
// A real argon2 hash of PASSWORD, made once per process: tests that log in or change the password
// use it, and hashing it for every account would cost each one a full hash.
let passwordHash: Promise<string> | undefined;

export interface TestAccount {
  id: number;
  email: string;
}

export interface TestUser extends TestAccount {
  token: string;
  auth: { authorization: string };
}

type AccountOptions = { type?: 'buyer' | 'shop'; staff?: boolean; email?: string };

/** An active account with the password PASSWORD, made directly in the database, with no token. */
export async function createAccount(
  h: { database: Database },
  opts: AccountOptions = {},
): Promise<TestAccount> {
  passwordHash ??= hashPassword(PASSWORD);
  const email = opts.email ?? uniqueEmail(opts.type ?? 'buyer');
  const [row] = await h.database.db
    .insert(users)
    .values({
      email,
      passwordHash: await passwordHash,
      firstName: 'Test',
      lastName: 'User',
      type: opts.type ?? 'buyer',
      isStaff: opts.staff ?? false,
      isActive: true,
    })
    .returning({ id: users.id });
  return { id: row!.id, email };
}

/**
 * An active account with an API token, both made directly in the database (the token stored as
 * /login/ stores it: only its hash), so no test pays for a login it does not test.
 */
export async function createUser(
  h: { database: Database },
  opts: AccountOptions = {},
): Promise<TestUser> {
  const account = await createAccount(h, opts);
  const token = newSecret();
  await h.database.db.insert(authTokens).values({ userId: account.id, keyHash: hashSecret(token) });
  return { ...account, token, auth: { authorization: `Token ${token}` } };
}
