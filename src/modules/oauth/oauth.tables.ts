import { index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { users } from '../accounts/accounts.tables.js';

/**
 * Logins started at an identity provider and not yet finished: single-use, short-lived. The state
 * is a bearer secret held by the client, so only its SHA-256 is kept; the PKCE verifier and the
 * nonce are useless without it (and without the client secret).
 */
export const oauthStates = pgTable(
  'oauth_states',
  {
    stateHash: text('state_hash').primaryKey(),
    provider: text('provider').notNull(),
    codeVerifier: text('code_verifier').notNull(),
    nonce: text('nonce').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('oauth_states_expires_idx').on(t.expiresAt)],
);

/** An account's identity at a provider: Google's `sub` never changes, its email may. */
export const linkedIdentities = pgTable(
  'linked_identities',
  {
    id: serial('id').primaryKey(),
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('linked_identities_provider_subject_key').on(t.provider, t.subject),
    // One identity per provider and account; also the index a deleted account cascades through.
    uniqueIndex('linked_identities_user_provider_key').on(t.userId, t.provider),
  ],
);
