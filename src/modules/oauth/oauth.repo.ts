import { and, eq, lte } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { linkedIdentities, oauthStates } from './oauth.tables.js';

export type NewState = typeof oauthStates.$inferInsert;
export type StateRow = typeof oauthStates.$inferSelect;

/** Keeps a started login, and drops those that expired unused (cheap: an indexed range). */
export async function saveState(db: Executor, state: NewState, now: Date): Promise<void> {
  await db.delete(oauthStates).where(lte(oauthStates.expiresAt, now));
  await db.insert(oauthStates).values(state);
}

/** Takes the state out in one statement, so two callbacks can never both use it. */
export async function takeState(
  db: Executor,
  provider: string,
  stateHash: string,
): Promise<StateRow | undefined> {
  const [row] = await db
    .delete(oauthStates)
    .where(and(eq(oauthStates.stateHash, stateHash), eq(oauthStates.provider, provider)))
    .returning();
  return row;
}

export async function findLinkedUser(
  db: Executor,
  provider: string,
  subject: string,
): Promise<number | undefined> {
  const [row] = await db
    .select({ userId: linkedIdentities.userId })
    .from(linkedIdentities)
    .where(and(eq(linkedIdentities.provider, provider), eq(linkedIdentities.subject, subject)));
  return row?.userId;
}

/**
 * Links the identity to the account; false when the account already has another identity at the
 * provider or (a concurrent sign-in) this identity was linked meanwhile: the caller looks again.
 */
export async function link(
  db: Executor,
  provider: string,
  subject: string,
  userId: number,
): Promise<boolean> {
  const rows = await db
    .insert(linkedIdentities)
    .values({ provider, subject, userId })
    .onConflictDoNothing()
    .returning({ id: linkedIdentities.id });
  return rows.length > 0;
}
