import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { App } from '../../platform/http.js';
import { currentUser } from '../../platform/auth.js';
import { pageBounds, pageOf, paginated } from '../../lib/pagination.js';
import { AppError, problem, problemResponses } from '../../platform/problems.js';
import { partnerOrderSchema } from '../orders/index.js';
import {
  importSummarySchema,
  jobAccepted,
  jobParams,
  jobStatusSchema,
  partnerOrdersQuery,
  priceListForm,
  priceListText,
  shopStateSchema,
  stateBody,
  updateBody,
  updateQuery,
  urlBody,
  YAML_TYPES,
} from './partner.schemas.js';
import type { PartnerService, PriceListSource } from './partner.service.js';
import { tooLarge } from './url-fetch.js';

const tags = ['partner'];
const config = { auth: 'shop' } as const;

/**
 * Price lists are far larger than the app's 1 MB body limit, so the upload route lives in its own
 * plugin: multipart and the raw YAML parser exist only there, both capped at PRICE_LIST_MAX_MB.
 */
export function partnerRoutes(app: App, partner: PartnerService, maxBytes: number) {
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    await scope.register(multipart, {
      limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 20, fieldSize: 64 * 1024 },
    });
    scope.addContentTypeParser(YAML_TYPES, async (req: FastifyRequest, payload: Readable) =>
      readCapped(payload, maxBytes, Number(req.headers['content-length'] ?? 0)),
    );

    scope.post('/partner/update/', {
      config,
      bodyLimit: maxBytes,
      schema: {
        operationId: 'importPriceList',
        tags,
        summary: "Replace the shop's price list (multipart `file`, raw YAML, or JSON {url})",
        description:
          'The file is the whole truth: offers missing from it are withdrawn. All or nothing: an ' +
          'invalid file changes nothing and every problem is listed with its place.',
        querystring: updateQuery,
        consumes: ['application/json', ...YAML_TYPES, 'multipart/form-data'],
        body: updateBody,
        'x-bodies': {
          'application/json': urlBody,
          'multipart/form-data': priceListForm,
          ...Object.fromEntries(YAML_TYPES.map((t) => [t, priceListText])),
        },
        response: {
          200: importSummarySchema,
          202: jobAccepted,
          ...problemResponses(400, 409, 413, 415),
        },
      },
      handler: async (req, reply) => {
        const source = await sourceOf(req, maxBytes);
        const user = currentUser(req);
        const { async } = req.query as z.output<typeof updateQuery>;
        if (async)
          return reply.code(202).send({ job_id: await partner.startImport(user.id, source) });
        return partner.importNow(user.id, source);
      },
    });
  });

  app.get('/partner/jobs/:id/', {
    config,
    schema: {
      operationId: 'getImportJob',
      description:
        "A background import started with `?async=true`: its state, progress (goods done of total) and, once done, the same summary as a direct import or the problem that stopped it. Another shop's job → 404.",
      tags,
      summary: 'State, progress and outcome of a background price-list import (owner only)',
      params: jobParams,
      response: { 200: jobStatusSchema, ...problemResponses(404) },
    },
    handler: (req) => partner.jobStatus(currentUser(req).id, req.params.id),
  });

  app.get('/partner/export/', {
    config,
    schema: {
      operationId: 'exportPriceList',
      description:
        "The shop's live offers as a YAML price list in the import format (`shop`, `categories`, `goods`); importing it back changes nothing. A shop without a price list → 404.",
      tags,
      summary: "The shop's current price list as YAML (importing it back changes nothing)",
      response: {
        200: {
          description: 'The price list, as a file to save (`price-list.yaml`)',
          content: { 'application/yaml': { schema: priceListText } },
        },
        ...problemResponses(404),
      },
    },
    handler: async (req, reply) => {
      const text = await partner.exportYaml(currentUser(req).id);
      return reply
        .type('application/yaml; charset=utf-8')
        .header('content-disposition', 'attachment; filename="price-list.yaml"')
        .send(text);
    },
  });

  app.get('/partner/state/', {
    config,
    schema: {
      operationId: 'getShopState',
      description:
        'The shop of the signed-in account and whether it takes orders; an account without a shop yet → 404.',
      tags,
      summary: 'Whether the shop takes orders',
      response: { 200: shopStateSchema, ...problemResponses(404) },
    },
    handler: (req) => partner.state(currentUser(req).id),
  });

  app.post('/partner/state/', {
    config,
    schema: {
      operationId: 'setShopState',
      description:
        'Switches order taking on or off. While off, the shop and its offers leave the catalog and carts cannot order its goods (409).',
      tags,
      summary: 'Switch order taking on or off; a shop that is off leaves the catalog',
      body: stateBody,
      response: { 200: shopStateSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => partner.setState(currentUser(req).id, req.body.state),
  });

  app.get('/partner/orders/', {
    config,
    schema: {
      operationId: 'listShopOrders',
      description:
        "Placed orders (not carts) holding the shop's goods, newest first, each with only the shop's lines and their sum, the buyer's contact and the order's state.",
      tags,
      summary: "Placed orders holding your shop's goods, each with only your lines and their sum",
      querystring: partnerOrdersQuery,
      response: { 200: paginated(partnerOrderSchema), ...problemResponses(400, 404) },
    },
    handler: async (req) => {
      const { limit, offset } = pageBounds(req.query);
      const page = await partner.orders(currentUser(req).id, req.query.state, limit, offset);
      return pageOf(req, req.query, page.count, page.results);
    },
  });
}

/** Where this request's price list is: an uploaded file, the YAML body itself, or a URL. */
async function sourceOf(req: FastifyRequest, maxBytes: number): Promise<PriceListSource> {
  if (req.isMultipart()) return { kind: 'file', file: await readUpload(req, maxBytes) };
  // The YAML types' parser above hands the body over as its bytes.
  if (Buffer.isBuffer(req.body)) return { kind: 'file', file: req.body };
  if (typeof req.body === 'string') {
    // Fastify reads text/plain on its own; only the YAML types are price lists.
    throw problem.unsupportedMediaType(
      `Send YAML as ${YAML_TYPES[0]}, a multipart file or JSON {"url": ...}.`,
    );
  }
  const parsed = urlBody.safeParse(req.body);
  if (!parsed.success) {
    throw problem.validation(
      'Send the price list as a multipart file, a YAML body or JSON {"url": ...}.',
      { errors: [{ field: 'url', message: 'is required' }] },
    );
  }
  return { kind: 'url', url: parsed.data.url };
}

/** The multipart field `file`, capped; a body that is not readable multipart is the client's. */
async function readUpload(req: FastifyRequest, maxBytes: number): Promise<Buffer> {
  try {
    const part = await req.file();
    if (!part || part.fieldname !== 'file')
      throw problem.validation('Send the price list in the multipart field "file".', {
        errors: [{ field: 'file', message: 'is required' }],
      });
    const chunks: Buffer[] = [];
    for await (const chunk of part.file) chunks.push(chunk as Buffer);
    if (part.file.truncated) throw tooLarge(maxBytes);
    return Buffer.concat(chunks);
  } catch (err) {
    if (err instanceof AppError) throw err;
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
    // busboy's own words: "Multipart: Boundary not found", "Unexpected end of form", ...
    throw problem.validation(`The multipart body cannot be read: ${(err as Error).message}.`, {
      errors: [{ field: 'file', message: 'send a complete multipart/form-data body' }],
    });
  }
}

/** Reads a body up to `maxBytes`, refusing at once when the declared length is already larger. */
async function readCapped(payload: Readable, maxBytes: number, declared: number): Promise<Buffer> {
  if (declared > maxBytes) {
    payload.resume();
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      payload.resume();
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
