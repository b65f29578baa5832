// Price lists waiting for their import job: the upload is kept here, not in the job, so the job
// store (Redis, or the API's memory) holds only an id and, when done, a summary.
import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.tables.js';

export const importRequests = pgTable(
  'import_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** The shop's account: the import runs as it. */
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The uploaded price list, or null when `url` is to be fetched by the job. */
    text: text('text'),
    url: text('url'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('import_requests_user_idx').on(t.userId, t.createdAt),
    check('import_requests_one_source', sql`(${t.text} is null) <> (${t.url} is null)`),
  ],
);
