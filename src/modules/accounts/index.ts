// Accounts: users, API tokens and emailed tokens. What other modules and the app may use.
import { hashSecret } from '../../lib/tokens.js';
import type { TokenLookup } from '../../platform/auth.js';
import type { Executor } from '../../platform/db/client.js';
import * as repo from './accounts.repo.js';

export { accountsRoutes } from './accounts.routes.js';
export { email as emailSchema, tokenSchema } from './accounts.schemas.js';
export {
  activateVerified,
  createVerifiedBuyer,
  issueApiToken,
  lockAccount,
  type Account,
  type VerifiedProfile,
} from './accounts.external.js';
export {
  createAccountsService,
  upsertStaffUser,
  MAX_FAILED_LOGINS,
  type AccountsService,
} from './accounts.service.js';
export { staffEmails, emailOf, emailsOf } from './accounts.repo.js';
export type { SessionUser } from './accounts.sessions.js';
export type { AccountFlags, StaffUserDto } from './accounts.staff.js';

/** How the platform's auth hook finds the account of a presented API key (stored hashed). */
export const createTokenLookup =
  (db: Executor): TokenLookup =>
  (key) =>
    repo.findActiveUserByTokenHash(db, hashSecret(key));

/** The account's id and type by email (lower-cased as stored), for commands run by an operator. */
export async function findAccountByEmail(db: Executor, email: string) {
  const user = await repo.findUserByEmail(db, email.trim().toLowerCase());
  return user && { id: user.id, type: user.type };
}
