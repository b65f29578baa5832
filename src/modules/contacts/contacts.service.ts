import type { Db } from '../../platform/db/client.js';
import { AppError, conflict } from '../../platform/errors.js';
import * as repo from './contacts.repo.js';
import type { ContactFields, NewContact } from './contacts.schemas.js';

export const MAX_CONTACTS = 5;

export type ContactsService = ReturnType<typeof createContactsService>;

export function toContactDto(c: repo.ContactRow) {
  return {
    id: c.id,
    first_name: c.firstName,
    last_name: c.lastName,
    middle_name: c.middleName,
    email: c.email,
    phone: c.phone,
    city: c.city,
    street: c.street,
    house: c.house,
    structure: c.structure,
    building: c.building,
    apartment: c.apartment,
  };
}

function toValues(f: ContactFields): repo.ContactValues {
  return {
    firstName: f.first_name,
    lastName: f.last_name,
    middleName: f.middle_name,
    email: f.email,
    phone: f.phone,
    city: f.city,
    street: f.street,
    house: f.house,
    structure: f.structure,
    building: f.building,
    apartment: f.apartment,
  };
}

const contactNotFound = (ids: number[]) =>
  new AppError(404, 'not-found', `Contact ${ids.join(', ')} not found.`);

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
        await repo.lockUser(tx, userId);
        if ((await repo.countContacts(tx, userId)) >= MAX_CONTACTS) {
          throw conflict(
            'contact-limit',
            `At most ${MAX_CONTACTS} contacts per user; delete one first.`,
          );
        }
        const { phone, city, street } = fields;
        const row = await repo.insertContact(tx, userId, {
          ...toValues(fields),
          phone,
          city,
          street,
        });
        return toContactDto(row);
      });
    },

    async update(userId: number, id: number, fields: ContactFields) {
      const values = toValues(fields);
      const hasChanges = Object.values(values).some((v) => v !== undefined);
      const row = hasChanges
        ? await repo.updateContact(db, userId, id, values)
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
