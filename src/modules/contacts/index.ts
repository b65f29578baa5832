// Contacts: the users' delivery addresses. What other modules and the app may use.
export { contactsRoutes } from './contacts.routes.js';
export { createContactsService, addressOf, type ContactsService } from './contacts.service.js';
export { addressJsonOf } from './contacts.repo.js';
export { addressSchema, SAMPLE_ADDRESS, type Address } from './contacts.schemas.js';
