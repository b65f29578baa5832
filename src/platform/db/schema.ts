// Every module's tables, for Drizzle's relational queries and drizzle-kit's migrations.
export * from '../../modules/accounts/accounts.tables.js';
export * from '../../modules/contacts/contacts.tables.js';
export * from '../../modules/catalog/catalog.tables.js';
export * from '../../modules/orders/orders.tables.js';
export * from '../../modules/partner/partner.tables.js';
export * from '../mail-outbox.tables.js';
export * from '../../modules/oauth/oauth.tables.js';
export * from '../../modules/media/media.tables.js';
