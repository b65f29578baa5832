// What a sign-in vouched for by an outside identity provider (Google) needs of the accounts: the
// account of a verified address, a new one, and activation without the password nobody confirmed.
// Each runs in the caller's transaction (`tx`), which also links the provider's identity.
import { hashSecret, newSecret } from '../../lib/tokens.js';
import type { Executor } from '../../platform/db/client.js';
import * as repo from './accounts.repo.js';
import { unusablePasswordHash } from './passwords.js';

export interface Account {
  id: number;
  email: string;
  type: 'buyer' | 'shop';
  isStaff: boolean;
  isActive: boolean;
}

/** What the provider vouches for: a verified address and the person's names. */
export interface VerifiedProfile {
  email: string;
  firstName: string;
  lastName: string;
}

const summary = (u: repo.UserRow | undefined): Account | undefined =>
  u && { id: u.id, email: u.email, type: u.type, isStaff: u.isStaff, isActive: u.isActive };

/** The account, locked until the transaction ends. */
export const lockAccount = async (tx: Executor, by: { id: number } | { email: string }) =>
  summary(await repo.lockUser(tx, by));

/**
 * A new active buyer (never staff) with an unusable password; undefined when the email was taken
 * meanwhile (a concurrent sign-in made it: the caller then locks that one).
 */
export async function createVerifiedBuyer(tx: Executor, profile: VerifiedProfile) {
  return summary(
    await repo.insertUser(tx, {
      ...profile,
      passwordHash: await unusablePasswordHash(),
      type: 'buyer',
      isActive: true,
    }),
  );
}

/**
 * Activates an account that was registered but never confirmed. Whoever registered it chose its
 * password and profile without proving the address, so both are replaced before it opens: the
 * password by an unusable one, the names by the provider's; its tokens stop working.
 */
export async function activateVerified(
  tx: Executor,
  userId: number,
  profile: VerifiedProfile,
  now: Date,
): Promise<void> {
  await repo.updateUser(tx, userId, {
    passwordHash: await unusablePasswordHash(),
    firstName: profile.firstName,
    lastName: profile.lastName,
    company: '',
    position: '',
    isActive: true,
  });
  await repo.deleteUserTokens(tx, userId);
  await repo.voidEmailTokens(tx, userId, now);
}

/** A new API token of the account (only its hash is kept), as /login/ gives. */
export async function issueApiToken(db: Executor, userId: number): Promise<string> {
  const key = newSecret();
  await repo.insertAuthToken(db, userId, hashSecret(key));
  return key;
}
