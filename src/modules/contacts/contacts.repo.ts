import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { preparedStatement, runPrepared } from '../../platform/db/statements.js';
import { ADDRESS_FIELDS, type Address, type NewContact } from './contacts.schemas.js';
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
 * The address of one of the user's contacts, its columns named as the fields (every order reads
 * it, so it is a prepared statement); undefined if the contact is not theirs.
 */
export async function findAddressColumns(
  db: Executor,
  userId: number,
  id: number,
): Promise<Partial<Address> | undefined> {
  const statement = preparedStatement(
    db,
    'contacts_address',
    () => sql`select ${sql.join(
      ADDRESS_FIELDS.map((f) => sql.identifier(f)),
      sql`, `,
    )} from ${contacts}
      where ${contacts.id} = ${sql.placeholder('id')} and ${contacts.userId} = ${sql.placeholder('user')}`,
  );
  const [row] = await runPrepared<Partial<Address>>(statement, { id, user: userId });
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
