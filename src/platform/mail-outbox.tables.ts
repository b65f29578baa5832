// Mail waiting to be sent (a transactional outbox): written in the transaction of the change it
// belongs to, deleted once delivered. Jobs carry only these ids, so no body or token sits in Redis.
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const outgoingMail = pgTable(
  'outgoing_mail',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** A sender holds the message until then (it is being delivered); others leave it alone. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Every attempt of its job failed: it waits for staff to retry the job; the sweep skips it. */
    failedAt: timestamp('failed_at', { withTimezone: true }),
  },
  (t) => [
    index('outgoing_mail_waiting_idx')
      .on(t.createdAt)
      .where(sql`failed_at is null`),
  ],
);
