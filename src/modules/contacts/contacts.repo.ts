import { and, asc, count, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { users } from '../accounts/accounts.tables.js';
import { contacts } from './contacts.tables.js';

export type ContactRow = typeof contacts.$inferSelect;
export type ContactValues = Partial<Omit<typeof contacts.$inferInsert, 'id' | 'userId'>>;

export function listContacts(db: Executor, userId: number, limit: number, offset: number) {
  return db
    .select()
    .from(contacts)
    .where(eq(contacts.userId, userId))
    .orderBy(asc(contacts.id))
    .limit(limit)
    .offset(offset);
}

export async function countContacts(db: Executor, userId: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(contacts).where(eq(contacts.userId, userId));
  return row!.n;
}

/** Serializes contact changes of one user, so two parallel adds cannot pass the limit together. */
export async function lockUser(db: Executor, userId: number) {
  await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}

export async function insertContact(
  db: Executor,
  userId: number,
  values: ContactValues & Pick<ContactRow, 'phone' | 'city' | 'street'>,
) {
  const [row] = await db
    .insert(contacts)
    .values({ ...values, userId })
    .returning();
  return row!;
}

export async function updateContact(
  db: Executor,
  userId: number,
  id: number,
  values: ContactValues,
) {
  const [row] = await db
    .update(contacts)
    .set(values)
    .where(and(eq(contacts.id, id), eq(contacts.userId, userId)))
    .returning();
  return row;
}

export async function findContact(db: Executor, userId: number, id: number) {
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.id, id), eq(contacts.userId, userId)));
  return row;
}

export async function deleteContacts(
  db: Executor,
  userId: number,
  ids: number[],
): Promise<number[]> {
  const rows = await db
    .delete(contacts)
    .where(and(eq(contacts.userId, userId), inArray(contacts.id, ids)))
    .returning({ id: contacts.id });
  return rows.map((r) => r.id);
}
