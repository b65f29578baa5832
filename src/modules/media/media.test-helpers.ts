// What the media tests share: a harness on either storage backend, a view of the files it holds,
// and fetching a picture's URL the way a client does (the app for /media/, the bucket for S3).
import sharp from 'sharp';
import { join } from 'node:path';
import { client, type TestClient } from '../../../test/client.js';
import { createHarness, createUser, type Harness, type TestUser } from '../../../test/harness.js';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import { form, picture, type Format } from '../../../test/images.js';
import { startS3, type TestS3 } from '../../../test/s3.js';
import { createLocalStorage, createStorage, type Storage } from '../../platform/storage.js';
import { loadConfig } from '../../platform/config.js';

export type Backend = 'local' | 's3';

export interface MediaHarness extends Harness {
  backend: Backend;
  /** The same files the app writes, to list them. */
  files: Storage;
}

export async function createMediaHarness(
  backend: Backend,
  env: Record<string, string> = {},
): Promise<MediaHarness> {
  const s3: TestS3 | undefined = backend === 's3' ? await startS3() : undefined;
  const h = await createHarness({ ...s3?.env, ...env });
  const files =
    backend === 's3'
      ? createStorage(loadConfig({ SECRET_KEY: 'x', DATA_DIR: h.dataDir, ...s3!.env }))
      : createLocalStorage(join(h.dataDir, 'media'), '/media/');
  return {
    ...h,
    backend,
    files,
    async close() {
      files.close();
      await h.close();
      await s3?.close();
    },
  };
}

export interface Fetched {
  status: number;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** A picture URL as a browser fetches it: a path from the app, an absolute URL over HTTP. */
export async function fetchUrl(h: Harness, url: string): Promise<Fetched> {
  if (url.startsWith('/')) {
    const res = await client(h).get(url);
    const headers = Object.fromEntries(
      Object.entries(res.headers).map(([k, v]) => [k, v === undefined ? undefined : String(v)]),
    );
    return { status: res.statusCode, headers, body: res.rawPayload };
  }
  const res = await fetch(url);
  return {
    status: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

/** The storage keys a picture's URLs point at (original, small, medium). */
export const keysOf = (h: MediaHarness, p: PictureJson) =>
  [p.url, p.thumbnails.small, p.thumbnails.medium].map((u) => u.slice(h.files.baseUrl.length));

/** `keys` and the files of `pictures`, as `files.list()` answers (a tiny picture's two
 * thumbnails can be one file: the same content has the same name). */
export const sortedKeys = (h: MediaHarness, keys: string[], pictures: PictureJson[]) =>
  [...new Set([...keys, ...pictures.flatMap((p) => keysOf(h, p))])].sort();

export interface PictureJson {
  id?: number;
  position?: number;
  url: string;
  width: number;
  height: number;
  thumbnails: { small: string; medium: string };
}

export const metadataOf = (data: Buffer) => sharp(data, { animated: true }).metadata();

export const uploadAvatar = (as: TestClient, data: Buffer, filename = 'me.jpg') =>
  as.put('/user/avatar/upload/', undefined, form({ avatar: { data, filename } }));

export const uploadImage = (as: TestClient, offerId: number, data: Buffer) =>
  as.post(
    '/product/image/upload/',
    undefined,
    form({ product_info: String(offerId), image: { data, filename: 'photo.jpg' } }),
  );

/** A shop account with its shop and one offer. */
export async function shopWithOffer(h: Harness) {
  const user: TestUser = await createUser(h, { type: 'shop' });
  const shop = await createShop(h, { userId: user.id });
  const offer = await createOffer(h, shop);
  return { user, as: client(h, user), shop, offer };
}

/** A small picture of the format, distinct each time (its size varies). */
let seq = 0;
export const somePicture = (format: Format = 'jpeg') => picture(format, 64 + (seq++ % 50) * 2, 48);
