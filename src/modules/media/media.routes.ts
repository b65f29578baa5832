import multipart from '@fastify/multipart';
import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { currentUser } from '../../platform/auth.js';
import type { App } from '../../platform/http.js';
import { problem, problemResponses } from '../../platform/problems.js';
import {
  avatarAnswer,
  avatarForm,
  galleryPictureSchema,
  imageForm,
  imageParams,
  offerField,
  positionBody,
} from './media.schemas.js';
import type { MediaService } from './media.service.js';
import { readUpload, uploadLimits } from './media.upload.js';

const tags = ['media'];
const RULES =
  'JPEG, PNG, GIF or WebP, recognised by content (else 415); larger than MEDIA_MAX_MB → 413; ' +
  'more than MEDIA_MAX_PIXELS pixels (every frame counted) or not decodable → 422. Stored ' +
  're-encoded, upright, without metadata, with WebP thumbnails of 160 and 640 px.';
const uploadErrors = problemResponses(400, 413, 415, 422, 503);

/** Multipart parts are read one by one by `readUpload`; the body schema only documents them. */
const documentedBody: FastifySchemaCompiler<z.ZodType> = (route) =>
  route.httpPart === 'body' ? (value: unknown) => ({ value }) : validatorCompiler(route);

function offerIdOf(text: string): number {
  const parsed = offerField.safeParse(text);
  if (parsed.success) return parsed.data;
  throw problem.validation('product_info must be the id of an offer of your shop.', {
    errors: [{ field: 'product_info', message: parsed.error.issues[0]!.message }],
  });
}

export function mediaRoutes(app: App, media: MediaService, maxBytes: number) {
  // Uploads live in a scope of their own: multipart is read only there, capped at MEDIA_MAX_MB.
  app.register(async (plain) => {
    const scope = plain.withTypeProvider<ZodTypeProvider>();
    await scope.register(multipart, { limits: uploadLimits(maxBytes) });
    scope.setValidatorCompiler(documentedBody);

    scope.put('/user/avatar/upload/', {
      config: { auth: 'user' },
      schema: {
        operationId: 'uploadAvatar',
        tags,
        summary: "Set the account's avatar (multipart `avatar`); the previous one is removed",
        description: RULES,
        consumes: ['multipart/form-data'],
        body: avatarForm,
        response: { 200: avatarAnswer, ...uploadErrors },
      },
      handler: async (req) => {
        const userId = currentUser(req).id;
        const avatar = await media.admit(async () =>
          media.setAvatar(userId, (await readUpload(req, 'avatar', [], maxBytes)).file),
        );
        return { avatar };
      },
    });

    scope.post('/product/image/upload/', {
      config: { auth: 'shop' },
      schema: {
        operationId: 'uploadPicture',
        tags,
        summary: "Add a picture to an offer's gallery (at most 10; it goes last)",
        description: `${RULES} Another shop's offer → 404; an 11th picture → 409.`,
        consumes: ['multipart/form-data'],
        body: imageForm,
        response: { 201: galleryPictureSchema, ...uploadErrors, ...problemResponses(404, 409) },
      },
      handler: async (req, reply) => {
        const userId = currentUser(req).id;
        const picture = await media.admit(async () => {
          const { file, fields } = await readUpload(req, 'image', ['product_info'], maxBytes);
          return media.addImage(userId, offerIdOf(fields.product_info!), file);
        });
        return reply.code(201).send(picture);
      },
    });
  });

  app.delete('/user/avatar/delete/', {
    config: { auth: 'user' },
    schema: {
      operationId: 'deleteAvatar',
      description: "Removes the account's avatar and its files; 204 also when there was none.",
      tags,
      summary: "Remove the account's avatar and its files (204 also when there was none)",
      response: { 204: z.null() },
    },
    handler: async (req, reply) => {
      await media.deleteAvatar(currentUser(req).id);
      return reply.code(204).send(null);
    },
  });

  app.patch('/product/image/:id/', {
    config: { auth: 'shop' },
    schema: {
      operationId: 'movePicture',
      description:
        "Moves a picture of the shop's offer to another place in its gallery (0 is shown first); the pictures in between move by one. Another shop's picture → 404.",
      tags,
      summary: 'Move a picture within its gallery',
      params: imageParams,
      body: positionBody,
      response: { 200: galleryPictureSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => media.moveImage(currentUser(req).id, req.params.id, req.body.position),
  });

  app.delete('/product/image/:id/', {
    config: { auth: 'shop' },
    schema: {
      operationId: 'deletePicture',
      description:
        "Removes a picture of the shop's offer and its files; the pictures after it move up. Another shop's picture → 404.",
      tags,
      summary: 'Remove a picture from its gallery, with its files',
      params: imageParams,
      response: { 204: z.null(), ...problemResponses(400, 404) },
    },
    handler: async (req, reply) => {
      await media.deleteImage(currentUser(req).id, req.params.id);
      return reply.code(204).send(null);
    },
  });
}
