import { hashSecret, newSecret } from '../../lib/tokens.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import type { Mailer } from '../../platform/mailer.js';
import type { Limit, RateLimitStore, WindowCounter } from '../../platform/rate-limit.js';
import { issueApiToken as issueToken } from './accounts.external.js';
import { findAvatar, type Picture } from '../media/index.js';
import * as repo from './accounts.repo.js';
import { createSessions } from './accounts.sessions.js';
import { createStaffAccounts } from './accounts.staff.js';
import type { RegisterInput, UpdateUserInput } from './accounts.schemas.js';
import { activationMail, passwordResetMail } from './accounts.templates.js';
import {
  dummyHash,
  hashPassword,
  passwordProblems,
  verifyPassword,
  type PersonalInfo,
} from './passwords.js';

export const MAX_FAILED_LOGINS = 10;
/** Emailed tokens (activation, reset) one address gets per hour, whoever asks and from where. */
export const MAILS_PER_RECIPIENT = 5;
const TOKEN_MAILS: Limit = { name: 'token-mails', limit: MAILS_PER_RECIPIENT, periodMs: 3_600_000 };

export interface AccountsDeps {
  db: Db;
  mail: Mailer;
  clock: Clock;
  loginFailures: WindowCounter;
  /** Where emailed tokens are counted per account (see MAILS_PER_RECIPIENT). */
  limits: Pick<RateLimitStore, 'consume'>;
  emailTokenTtlMs: number;
}

export type AccountsService = ReturnType<typeof createAccountsService>;

const BAD_CREDENTIALS = 'Unable to log in with the provided credentials.';
const BAD_TOKEN = 'The token is wrong, already used or expired; request a new one.';
const accountNotFound = () => problem.notFound('Account not found.');
const badToken = () =>
  problem.validation(BAD_TOKEN, { errors: [{ field: 'token', message: BAD_TOKEN }] });

function checkPassword(password: string, info: PersonalInfo) {
  const reasons = passwordProblems(password, info);
  if (reasons.length > 0) {
    throw problem.validation('The password is too weak.', {
      errors: reasons.map((message) => ({ field: 'password', message })),
    });
  }
}

/** The account as clients see it; its avatar is the media module's. */
export function toUserDto(u: repo.UserRow, avatar: Picture | null = null) {
  return {
    id: u.id,
    email: u.email,
    first_name: u.firstName,
    last_name: u.lastName,
    company: u.company,
    position: u.position,
    type: u.type,
    is_active: u.isActive,
    avatar,
  };
}

export function createAccountsService({
  db,
  mail,
  clock,
  loginFailures,
  limits,
  emailTokenTtlMs,
}: AccountsDeps) {
  /**
   * Issues a fresh emailed token of the purpose and mails it, unless the address has had
   * MAILS_PER_RECIPIENT of them this hour: then nothing happens (the answer is the same 202, so
   * nobody learns of the cap, and nobody can flood a mailbox by asking from many addresses).
   * Counted atomically per account (its id, not its address, is what the store sees).
   */
  async function sendEmailToken(user: repo.UserRow, purpose: repo.EmailTokenPurpose) {
    const now = clock.now();
    const quota = await limits.consume(`token-mail:u${user.id}`, [TOKEN_MAILS], now.getTime());
    if (!quota.allowed) return;
    const token = newSecret();
    const build = purpose === 'activation' ? activationMail : passwordResetMail;
    const mails = await db.transaction(async (tx) => {
      const expires = new Date(now.getTime() + emailTokenTtlMs);
      await repo.replaceEmailToken(tx, user.id, purpose, hashSecret(token), now, expires);
      return mail.add(tx, [build(user.email, token, emailTokenTtlMs)]);
    });
    await mail.dispatch(mails);
  }

  async function consume(email: string, token: string, purpose: repo.EmailTokenPurpose) {
    const user = await repo.findUserByEmail(db, email);
    const ok =
      user && (await repo.consumeEmailToken(db, user.id, purpose, hashSecret(token), clock.now()));
    if (!ok)
      throw problem.validation(BAD_TOKEN, { errors: [{ field: 'token', message: BAD_TOKEN }] });
    return user;
  }

  /**
   * The active account of these credentials, or the same 401 for an unknown email, a wrong password
   * and an inactive account (in similar time); more than MAX_FAILED_LOGINS failures → 429.
   */
  async function checkCredentials(email: string, password: string): Promise<repo.UserRow> {
    const failures = await loginFailures.count(email);
    if (failures.count >= MAX_FAILED_LOGINS && failures.resetAt) {
      const seconds = Math.max(
        1,
        Math.ceil((failures.resetAt.getTime() - clock.now().getTime()) / 1000),
      );
      throw problem.tooManyFailedLogins(
        `Too many failed logins for this account; try again in ${seconds} s.`,
        { headers: { 'Retry-After': String(seconds) } },
      );
    }
    const user = await repo.findUserByEmail(db, email);
    const valid = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
    if (!user || !valid || !user.isActive) {
      await loginFailures.hit(email);
      throw problem.badCredentials(BAD_CREDENTIALS);
    }
    return user;
  }

  const issueApiToken = (userId: number) => issueToken(db, userId);

  return {
    issueApiToken,

    async register(input: RegisterInput) {
      checkPassword(input.password, input);
      const user = await repo.insertUser(db, {
        email: input.email,
        passwordHash: await hashPassword(input.password),
        firstName: input.first_name,
        lastName: input.last_name,
        company: input.company ?? '',
        position: input.position ?? '',
        type: input.type,
      });
      if (!user) throw problem.emailTaken('An account with this email already exists.');
      await sendEmailToken(user, 'activation');
      return toUserDto(user);
    },

    async activate(email: string, token: string) {
      const user = await consume(email, token, 'activation');
      await repo.updateUser(db, user.id, { isActive: true });
    },

    async resendActivation(email: string) {
      const user = await repo.findUserByEmail(db, email);
      if (user && !user.isActive) await sendEmailToken(user, 'activation');
    },

    /** Same answer and similar time for an unknown email, a wrong password and an inactive account. */
    login: async (email: string, password: string): Promise<string> =>
      issueApiToken((await checkCredentials(email, password)).id),

    /** Console sign-in and sessions, checked by the same limiter as login (accounts.sessions.ts). */
    sessions: createSessions({ db, clock, checkCredentials }),

    /** The staff's list of accounts and their flags (accounts.staff.ts). */
    staff: createStaffAccounts(db),

    logout: (tokenId: number) => repo.deleteAuthToken(db, tokenId),

    async details(userId: number) {
      const user = await repo.findUserById(db, userId);
      if (!user) throw accountNotFound();
      return toUserDto(user, await findAvatar(db, userId));
    },

    /** Changes profile fields; a new password needs the current one and signs out other tokens. */
    async update(userId: number, tokenId: number, input: UpdateUserInput) {
      const user = await repo.findUserById(db, userId);
      if (!user) throw accountNotFound();
      const patch: Partial<repo.NewUser> = {
        firstName: input.first_name,
        lastName: input.last_name,
        company: input.company,
        position: input.position,
      };
      if (input.password !== undefined) {
        if (
          !input.current_password ||
          !(await verifyPassword(user.passwordHash, input.current_password))
        ) {
          throw problem.validation('Changing the password needs the current password.', {
            errors: [{ field: 'current_password', message: 'is missing or wrong' }],
          });
        }
        checkPassword(input.password, {
          email: user.email,
          first_name: input.first_name ?? user.firstName,
          last_name: input.last_name ?? user.lastName,
        });
        patch.passwordHash = await hashPassword(input.password);
      }
      const updated = await db.transaction(async (tx) => {
        const row = await repo.updateUser(tx, userId, patch);
        if (patch.passwordHash) {
          await repo.deleteUserTokens(tx, userId, tokenId);
          await repo.deleteUserSessions(tx, userId);
        }
        return row;
      });
      return toUserDto(updated, await findAvatar(db, userId));
    },

    async requestPasswordReset(email: string) {
      const user = await repo.findUserByEmail(db, email);
      if (user) await sendEmailToken(user, 'password_reset');
    },

    /**
     * Sets the new password and revokes every API token of the account. The token is checked
     * before the password, so a weak password says nothing about whether the account exists; a
     * refused password rolls the token's use back, so it still works for a better one. The hash
     * is made first, so every answer costs the same.
     */
    async confirmPasswordReset(email: string, token: string, password: string) {
      const passwordHash = await hashPassword(password);
      const owner = await db.transaction(async (tx) => {
        const user = await repo.findUserByEmail(tx, email);
        const ok =
          user &&
          (await repo.consumeEmailToken(
            tx,
            user.id,
            'password_reset',
            hashSecret(token),
            clock.now(),
          ));
        if (!ok) throw badToken();
        checkPassword(password, {
          email: user.email,
          first_name: user.firstName,
          last_name: user.lastName,
        });
        // The emailed token proves the address, so an unconfirmed account becomes active too.
        await repo.updateUser(tx, user.id, { passwordHash, isActive: true });
        await repo.deleteUserTokens(tx, user.id);
        await repo.deleteUserSessions(tx, user.id);
        return user;
      });
      await loginFailures.reset(owner.email);
    },
  };
}

export interface StaffUpsert {
  created: boolean;
  /** The account was not an active staff account before. */
  promoted: boolean;
  /** A password was given for an existing account: set, and its tokens and sessions revoked. */
  passwordChanged: boolean;
}

/**
 * Makes `email` an active staff account. A new one needs a password; an existing one keeps its
 * own unless a new one is given, which then signs it out everywhere, like a password reset.
 */
export async function upsertStaffUser(
  db: Db,
  email: string,
  password: string | undefined,
): Promise<StaffUpsert> {
  if (password !== undefined) checkPassword(password, { email });
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  return db.transaction(async (tx) => {
    const existing = await repo.findUserByEmail(tx, email);
    if (!existing) {
      if (!passwordHash)
        throw problem.validation(
          `There is no account ${email}; a new staff user needs a password.`,
          {
            errors: [{ field: 'password', message: 'is required for a new account' }],
          },
        );
      await repo.insertUser(tx, { email, passwordHash, isStaff: true, isActive: true });
      return { created: true, promoted: true, passwordChanged: false };
    }
    const promoted = !existing.isStaff || !existing.isActive;
    await repo.updateUser(tx, existing.id, {
      isStaff: true,
      isActive: true,
      ...(passwordHash ? { passwordHash } : {}),
    });
    if (passwordHash) {
      await repo.deleteUserTokens(tx, existing.id);
      await repo.deleteUserSessions(tx, existing.id);
    }
    return { created: false, promoted, passwordChanged: Boolean(passwordHash) };
  });
}
