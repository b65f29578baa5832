// Where uploaded files live: a folder on this machine (MEDIA_ROOT, served by the app under
// MEDIA_URL), or S3-compatible object storage (MinIO, Ceph, AWS) that several API processes on
// several machines share, its bucket served to clients at MEDIA_URL. Callers name files by keys
// such as `avatars/<upload>/<hash>.jpg`; a key never comes from a request.
import type { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Config } from './config.js';

/** A file's name never changes once written (its content hash is in it), so caches keep it. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface Storage {
  readonly kind: 'local' | 's3';
  /** MEDIA_URL: a file's URL is this followed by its key. */
  readonly baseUrl: string;
  /** Writes the file whole or not at all (no reader ever sees half of it). */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Removes the files; keys that do not exist are no error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every key under the prefix (maintenance, tests). */
  list(prefix?: string): Promise<string[]>;
  /** The URL clients fetch the file at: MEDIA_URL + key. */
  url(key: string): string;
  /** Lets go of connections (S3). */
  close(): void;
}

/** Path segments of letters, digits, `-`, `_` and one dot before an extension: no way out. */
const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*(\.[a-z0-9]+)?$/;

export function assertKey(key: string): string {
  if (!KEY.test(key) || key.length > 512) throw new Error(`Invalid storage key: ${key}`);
  return key;
}

export function createStorage(
  config: Pick<
    Config,
    | 'MEDIA_STORAGE'
    | 'MEDIA_ROOT'
    | 'MEDIA_URL'
    | 'S3_ENDPOINT'
    | 'S3_BUCKET'
    | 'S3_REGION'
    | 'S3_ACCESS_KEY_ID'
    | 'S3_SECRET_ACCESS_KEY'
  >,
): Storage {
  if (config.MEDIA_STORAGE === 'local')
    return createLocalStorage(config.MEDIA_ROOT, config.MEDIA_URL);
  return createS3Storage({
    endpoint: config.S3_ENDPOINT,
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    credentials:
      config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
        ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
        : undefined,
    baseUrl: config.MEDIA_URL,
  });
}

export function createLocalStorage(root: string, baseUrl: string): Storage & { root: string } {
  const pathOf = (key: string) => join(root, assertKey(key));
  return {
    kind: 'local',
    baseUrl,
    root,
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Written aside and renamed: the served name appears only with the whole file behind it.
      const partial = `${path}.${randomBytes(6).toString('hex')}.partial`;
      try {
        await writeFile(partial, body);
        await rename(partial, path);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    },
    get: (key) => readFile(pathOf(key)),
    async delete(keys) {
      for (const key of keys) {
        const path = pathOf(key);
        await rm(path, { force: true });
        // A picture's files share a folder of their own; the last one out removes it.
        await rmdir(dirname(path)).catch(() => {});
      }
    },
    async list(prefix = '') {
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return [];
          throw err;
        },
      );
      return entries
        .filter((e) => e.isFile() && !e.name.endsWith('.partial'))
        .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
        .filter((key) => key.startsWith(prefix))
        .sort();
    },
    url: (key) => baseUrl + assertKey(key),
    close: () => {},
  };
}

export interface S3Options {
  /** Unset → AWS itself; set → that S3-compatible server, addressed path-style (MinIO, Ceph). */
  endpoint?: string;
  bucket: string;
  region: string;
  /** Unset → the AWS SDK's own credential chain (an instance role, for example). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  baseUrl: string;
}

export function createS3Storage(opts: S3Options): Storage {
  // The SDK is loaded only when S3 storage is set up: it is a good part of a start's module
  // loading, and local storage (the default) never needs it.
  const sdk = import('@aws-sdk/client-s3');
  let client: Promise<S3Client> | undefined;
  const connect = () =>
    (client ??= sdk.then(
      ({ S3Client }) =>
        new S3Client({
          endpoint: opts.endpoint,
          region: opts.region,
          forcePathStyle: opts.endpoint !== undefined,
          credentials: opts.credentials,
          // Checksums only where S3 requires them: older MinIO/Ceph versions refuse the newer headers.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
    ));
  const Bucket = opts.bucket;
  return {
    kind: 's3',
    baseUrl: opts.baseUrl,
    async put(key, body, contentType) {
      const [s3, { PutObjectCommand }] = await Promise.all([connect(), sdk]);
      await s3.send(
        new PutObjectCommand({
          Bucket,
          Key: assertKey(key),
          Body: body,
          ContentType: contentType,
          CacheControl: IMMUTABLE,
        }),
      );
    },
    async get(key) {
      const [s3, { GetObjectCommand }] = await Promise.all([connect(), sdk]);
      const out = await s3.send(new GetObjectCommand({ Bucket, Key: assertKey(key) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
    async delete(keys) {
      const [s3, { DeleteObjectsCommand }] = await Promise.all([connect(), sdk]);
      // At most 1000 keys per DeleteObjects request.
      for (let i = 0; i < keys.length; i += 1000) {
        const Objects = keys.slice(i, i + 1000).map((k) => ({ Key: assertKey(k) }));
        const out = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects } }));
        if (out.Errors?.length) {
          const first = out.Errors[0]!;
          throw new Error(`S3 could not delete ${first.Key}: ${first.Code} ${first.Message}`);
        }
      }
    },
    async list(prefix = '') {
      const [s3, { ListObjectsV2Command }] = await Promise.all([connect(), sdk]);
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }),
        );
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },
    url: (key) => opts.baseUrl + assertKey(key),
    close: () => void client?.then((s3) => s3.destroy()),
  };
}
