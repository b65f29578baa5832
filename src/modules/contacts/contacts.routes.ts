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
      tags,
      summary: 'Delete contacts; orders keep their copy of the address',
      body: deleteContactsBody,
      response: { 200: z.object({ deleted: z.number().int() }), ...problemResponses(400, 404) },
    },
    handler: (req) => contacts.delete(currentUser(req).id, req.body.items),
  });
}
