import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import * as repo from './contacts.repo.js';
import {
  ADDRESS_FIELDS,
  type Address,
  type ContactFields,
  type NewContact,
} from './contacts.schemas.js';

export const MAX_CONTACTS = 5;

export type ContactsService = ReturnType<typeof createContactsService>;

/** The address fields of a row (or of a partial address: missing ones become ''). */
export function addressOf(row: Partial<Address>): Address {
  return Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, row[f] ?? ''])) as Address;
}

const toContactDto = (row: repo.ContactRow) => ({ id: row.id, ...addressOf(row) });

const contactNotFound = (ids: number[]) => problem.notFound(`Contact ${ids.join(', ')} not found.`);

export function createContactsService({ db }: { db: Db }) {
  return {
    async list(userId: number, limit: number, offset: number) {
      const [rows, count] = await Promise.all([
        repo.listContacts(db, userId, limit, offset),
        repo.countContacts(db, userId),
      ]);
      return { count, results: rows.map(toContactDto) };
    },

    add(userId: number, fields: NewContact) {
      return db.transaction(async (tx) => {
        await repo.lockContactsOf(tx, userId);
        if ((await repo.countContacts(tx, userId)) >= MAX_CONTACTS) {
          throw problem.contactLimit(
            `At most ${MAX_CONTACTS} contacts per user; delete one first.`,
          );
        }
        return toContactDto(await repo.insertContact(tx, userId, fields));
      });
    },

    async update(userId: number, id: number, fields: ContactFields) {
      const hasChanges = Object.values(fields).some((v) => v !== undefined);
      const row = hasChanges
        ? await repo.updateContact(db, userId, id, fields)
        : await repo.findContact(db, userId, id);
      if (!row) throw contactNotFound([id]);
      return toContactDto(row);
    },

    /** Deletes all the named contacts or, if one is not the user's, none of them. */
    delete(userId: number, ids: number[]) {
      const wanted = [...new Set(ids)];
      return db.transaction(async (tx) => {
        const deleted = await repo.deleteContacts(tx, userId, wanted);
        const missing = wanted.filter((id) => !deleted.includes(id));
        if (missing.length > 0) throw contactNotFound(missing);
        return { deleted: deleted.length };
      });
    },
  };
}
