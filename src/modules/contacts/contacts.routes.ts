import { z } from 'zod';
import type { App } from '../../platform/http.js';
import { pageBounds, pageOf, pageQuery, paginated } from '../../lib/pagination.js';
import { currentUser } from '../../platform/auth.js';
import { problemResponses } from '../../platform/problems.js';
import {
  addContactBody,
  contactSchema,
  deleteContactsBody,
  updateContactBody,
} from './contacts.schemas.js';
import type { ContactsService } from './contacts.service.js';

const tags = ['contacts'];
const config = { auth: 'user' } as const;

export function contactsRoutes(app: App, contacts: ContactsService) {
  app.get('/contacts/', {
    config,
    schema: {
      operationId: 'listContacts',
      description: "The signed-in user's delivery contacts, oldest first, paginated.",
      tags,
      summary: "The user's delivery contacts",
      querystring: pageQuery,
      response: { 200: paginated(contactSchema), ...problemResponses(400, 404) },
    },
    handler: async (req) => {
      const { limit, offset } = pageBounds(req.query);
      const page = await contacts.list(currentUser(req).id, limit, offset);
      return pageOf(req, req.query, page.count, page.results);
    },
  });

  app.post('/contacts/add/', {
    config,
    schema: {
      operationId: 'addContact',
      description:
        '`city`, `street` and `phone` are required; the phone is checked (Russian numbers may omit +7). A 6th contact → 409.',
      tags,
      summary: 'Add a delivery contact (at most 5 per user)',
      body: addContactBody,
      response: { 201: contactSchema, ...problemResponses(400, 409) },
    },
    handler: async (req, reply) =>
      reply.code(201).send(await contacts.add(currentUser(req).id, req.body)),
  });

  app.put('/contacts/update/', {
    config,
    schema: {
      operationId: 'updateContact',
      description: "Changes only the fields given; another user's contact → 404.",
      tags,
      summary: 'Change the given fields of a contact',
      body: updateContactBody,
      response: { 200: contactSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => {
      const { id, ...fields } = req.body;
      return contacts.update(currentUser(req).id, id, fields);
    },
  });

  app.delete('/contacts/delete/', {
    config,
    schema: {
      operationId: 'deleteContacts',
      description:
        "Deletes the listed contacts of the user; orders placed with them keep their copy of the address. Another user's contact → 404 and nothing is deleted.",
      tags,
      summary: 'Delete contacts; orders keep their copy of the address',
      body: deleteContactsBody,
      response: {
        200: z.object({ deleted: z.number().int() }).meta({ examples: [{ deleted: 2 }] }),
        ...problemResponses(400, 404),
      },
    },
    handler: (req) => contacts.delete(currentUser(req).id, req.body.items),
  });
}
