import { and, count, desc, eq, gt, ilike, inArray, isNull, lt, ne, or, sql } from 'drizzle-orm';
import type { AuthUser } from '../../platform/auth.js';
import type { Executor } from '../../platform/db/client.js';
import { preparedStatement, runPrepared } from '../../platform/db/statements.js';
import { authTokens, emailTokens, sessions, users } from './accounts.tables.js';

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type EmailTokenPurpose = (typeof emailTokens.$inferSelect)['purpose'];

export async function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email));
  return row;
}

export async function findUserById(db: Executor, id: number): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

/** The user's row, locked until the transaction ends (the caller decides on what it read). */
export async function lockUser(
  tx: Executor,
  by: { id: number } | { email: string },
): Promise<UserRow | undefined> {
  const where = 'id' in by ? eq(users.id, by.id) : eq(users.email, by.email);
  const [row] = await tx.select().from(users).where(where).for('update');
  return row;
}

/** Inserts the user, or returns undefined when the email is taken (no race window). */
export async function insertUser(db: Executor, values: NewUser): Promise<UserRow | undefined> {
  const [row] = await db.insert(users).values(values).onConflictDoNothing().returning();
  return row;
}

export async function updateUser(
  db: Executor,
  id: number,
  patch: Partial<NewUser>,
): Promise<UserRow> {
  const [row] = await db.update(users).set(patch).where(eq(users.id, id)).returning();
  return row!;
}

export async function insertAuthToken(
  db: Executor,
  userId: number,
  keyHash: string,
): Promise<void> {
  await db.insert(authTokens).values({ userId, keyHash });
}

export async function deleteAuthToken(db: Executor, tokenId: number): Promise<void> {
  await db.delete(authTokens).where(eq(authTokens.id, tokenId));
}

/** Revokes every API token of the user, or every one but `keepTokenId`. */
export async function deleteUserTokens(db: Executor, userId: number, keepTokenId?: number) {
  const mine = eq(authTokens.userId, userId);
  await db
    .delete(authTokens)
    .where(keepTokenId === undefined ? mine : and(mine, ne(authTokens.id, keepTokenId)));
}

/** Stores a new emailed token; older unused ones of the same purpose stop working. */
export async function replaceEmailToken(
  db: Executor,
  userId: number,
  purpose: EmailTokenPurpose,
  tokenHash: string,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(emailTokens.userId, userId),
        eq(emailTokens.purpose, purpose),
        isNull(emailTokens.usedAt),
      ),
    );
  await db.insert(emailTokens).values({ userId, purpose, tokenHash, expiresAt });
}

/** Every unused emailed token of the user stops working. */
export async function voidEmailTokens(db: Executor, userId: number, now: Date): Promise<void> {
  await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(and(eq(emailTokens.userId, userId), isNull(emailTokens.usedAt)));
}

/** Marks the token used if it is valid now; true when it was. One statement, so single-use holds. */
export async function consumeEmailToken(
  db: Executor,
  userId: number,
  purpose: EmailTokenPurpose,
  tokenHash: string,
  now: Date,
): Promise<boolean> {
  const used = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(emailTokens.userId, userId),
        eq(emailTokens.purpose, purpose),
        eq(emailTokens.tokenHash, tokenHash),
        isNull(emailTokens.usedAt),
        gt(emailTokens.expiresAt, now),
      ),
    )
    .returning({ id: emailTokens.id });
  return used.length > 0;
}

/**
 * The active account holding the API token of this hash, with the token's id. Every authenticated
 * request asks it, so it is a prepared statement built once (platform/db/statements.ts).
 */
export async function findActiveUserByTokenHash(
  db: Executor,
  keyHash: string,
): Promise<AuthUser | null> {
  const statement = preparedStatement(
    db,
    'auth_user_by_token',
    () => sql`select ${users.id} as "id", ${users.email} as "email", ${users.type} as "type",
        ${users.isStaff} as "isStaff", ${authTokens.id} as "tokenId"
      from ${authTokens} join ${users} on ${users.id} = ${authTokens.userId}
      where ${authTokens.keyHash} = ${sql.placeholder('hash')} and ${users.isActive}`,
  );
  const [row] = await runPrepared<AuthUser>(statement, { hash: keyHash });
  return row ?? null;
}

/** Addresses of the active staff users. */
export async function staffEmails(db: Executor): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.isStaff, true), eq(users.isActive, true)));
  return rows.map((r) => r.email);
}

export async function emailOf(db: Executor, userId: number): Promise<string | undefined> {
  const [row] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  return row?.email;
}

/** Addresses of many accounts by id, in one query. */
export async function emailsOf(db: Executor, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(users.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.email]));
}

// ---- Staff console sessions (the key is kept as its SHA-256 only).

export async function insertSession(db: Executor, userId: number, keyHash: string, now: Date) {
  await db.insert(sessions).values({ userId, keyHash, createdAt: now, lastSeenAt: now });
}

/** The session of this key if seen since `idleSince`, with its user while active staff. */
export async function findStaffSession(db: Executor, keyHash: string, idleSince: Date) {
  const [row] = await db
    .select({
      sessionId: sessions.id,
      lastSeenAt: sessions.lastSeenAt,
      id: users.id,
      email: users.email,
      type: users.type,
      isStaff: users.isStaff,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.keyHash, keyHash),
        gt(sessions.lastSeenAt, idleSince),
        eq(users.isActive, true),
        eq(users.isStaff, true),
      ),
    );
  return row;
}

export async function touchSession(db: Executor, sessionId: number, now: Date) {
  await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, sessionId));
}

export async function deleteSession(db: Executor, keyHash: string) {
  await db.delete(sessions).where(eq(sessions.keyHash, keyHash));
}

/** Ends every console session of the user, or only those idle since before `idleSince`. */
export async function deleteUserSessions(db: Executor, userId: number, idleSince?: Date) {
  const mine = eq(sessions.userId, userId);
  await db.delete(sessions).where(idleSince ? and(mine, lt(sessions.lastSeenAt, idleSince)) : mine);
}

// ---- The staff's list of accounts.

const matching = (q: string | undefined) => {
  if (!q) return undefined;
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(
    ilike(users.email, like),
    ilike(users.firstName, like),
    ilike(users.lastName, like),
    ilike(users.company, like),
  );
};

/** Accounts whose email, names or company contain `q`, newest first. */
export async function listUsers(
  db: Executor,
  q: string | undefined,
  limit: number,
  offset: number,
) {
  const where = matching(q);
  const [rows, [total]] = await Promise.all([
    db.select().from(users).where(where).orderBy(desc(users.id)).limit(limit).offset(offset),
    db.select({ n: count() }).from(users).where(where),
  ]);
  return { count: total!.n, rows };
}

export async function countBuyers(db: Executor): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users).where(eq(users.type, 'buyer'));
  return row!.n;
}
