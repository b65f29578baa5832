// Where a picture's files are kept, and how the app serves them from local storage. Every key is
// made here: `<avatars|offers>/<random folder of one upload>/<content hash>.<ext>`. Requests for
// anything else (a folder, `..` encoded or not, a name we never make) are 404 before the disk is
// touched.
import { mkdir } from 'node:fs/promises';
import fastifyStatic from '@fastify/static';
import { randomBytes } from 'node:crypto';
import type { App } from '../../platform/http.js';
import { problem } from '../../platform/problems.js';
import type { EncodedFile } from './media.process.js';

export type Kind = 'avatars' | 'offers';

const FILE_KEY = /^(avatars|offers)\/[A-Za-z0-9_-]{16}\/[0-9a-f]{32}\.(jpg|png|gif|webp)$/;

/** A folder of its own for one upload's files: no two pictures ever share a file. */
export const newFolder = (kind: Kind) => `${kind}/${randomBytes(12).toString('base64url')}`;

export const fileKey = (folder: string, file: Pick<EncodedFile, 'hash' | 'ext'>) =>
  `${folder}/${file.hash}.${file.ext}`;

export const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/'));

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Serves MEDIA_ROOT under the path of MEDIA_URL: immutable, never listed, never limited. */
export async function mediaFilesRoute(app: App, root: string, baseUrl: string) {
  const prefix = new URL(baseUrl, 'http://localhost').pathname;
  // The folder of a fresh data directory exists from the start (@fastify/static warns otherwise).
  await mkdir(root, { recursive: true });
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root, serve: false });
    scope.get(`${prefix}*`, {
      // A page of thumbnails is many requests; they cost a file read, not the API's work.
      config: { rateLimit: false },
      schema: { hide: true },
      handler: (req, reply) => {
        const key = (req.params as { '*': string })['*'];
        if (!FILE_KEY.test(key)) throw problem.notFound(`No file ${req.url.split('?')[0]}.`);
        return reply.sendFile(key, {
          immutable: true,
          maxAge: YEAR_MS,
          dotfiles: 'deny',
          index: false,
        });
      },
    });
  });
}
