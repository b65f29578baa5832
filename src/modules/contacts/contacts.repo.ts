import { and, asc, count, eq, inArray, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { ADDRESS_FIELDS, type NewContact } from './contacts.schemas.js';
import { contacts } from './contacts.tables.js';

export type ContactRow = typeof contacts.$inferSelect;
export type ContactValues = Partial<NewContact>;

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

/**
 * Serializes contact adds of one user, so two parallel adds cannot pass the limit together. An
 * advisory lock (until the transaction ends) rather than a lock on the user's row: that row is
 * the accounts module's.
 */
export async function lockContactsOf(db: Executor, userId: number) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('contacts'), ${userId}::int)`);
}

export async function insertContact(db: Executor, userId: number, values: NewContact) {
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

/**
 * The address of the user's contact as a JSON object, or null if it is not theirs: a subquery
 * for another module's statement (an order's confirmation reads it with the basket).
 */
export const addressJsonOf = (user: SQL | Placeholder, id: SQL | Placeholder) =>
  sql`(select json_build_object(${sql.join(
    ADDRESS_FIELDS.map((f) => sql`${sql.raw(`'${f}'`)}, ${sql.identifier(f)}`),
    sql`, `,
  )}) from ${contacts} where ${contacts.id} = ${id} and ${contacts.userId} = ${user})`;

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
