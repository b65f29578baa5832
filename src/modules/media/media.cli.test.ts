// `npm run media -- regenerate` as an operator runs it: a child process on a database of its own
// (it walks every picture there), on each storage backend. Pictures are uploaded through the API
// first; then their thumbnails are made stale (old sizes, an old MEDIA_URL) and rebuilt.
import { eq } from 'drizzle-orm';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createOffer, createShop } from '../../../test/catalog-factory.js';
import { client } from '../../../test/client.js';
import { createUser, goldenDump, isPostgres, silentLog } from '../../../test/harness.js';
import { picture } from '../../../test/images.js';
import { startS3 } from '../../../test/s3.js';
import { buildApp } from '../../app.js';
import { systemClock } from '../../platform/clock.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase, type Database } from '../../platform/db/client.js';
import { avatars, offerImages } from '../../platform/db/schema.js';
import { createInProcessQueue } from '../../platform/queue.js';
import { createStorage } from '../../platform/storage.js';
import { metadataOf, uploadAvatar, uploadImage, type Backend } from './media.test-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A database for this test alone: a PGlite directory, or a new database on the test server. */
async function ownDatabase(dataDir: string): Promise<{
  open(): Promise<Database>;
  env: Record<string, string>;
  drop(): Promise<void>;
}> {
  if (!isPostgres) {
    let loaded = false;
    const open = async () => {
      const loadDataDir = loaded ? undefined : await goldenDump();
      loaded = true;
      return openDatabase({ dataDir: join(dataDir, 'pglite'), loadDataDir });
    };
    return { open, env: {}, drop: async () => {} };
  }
  const server = process.env.TEST_DATABASE_URL!;
  const url = new URL(server);
  const name = `purchases_media_cli_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  };
  await admin(`create database "${name}"`);
  url.pathname = `/${name}`;
  const own = url.toString();
  const open = async () => {
    const database = await openDatabase({ url: own });
    await database.migrate();
    return database;
  };
  return {
    open,
    env: { DATABASE_URL: own },
    drop: () => admin(`drop database "${name}" with (force)`),
  };
}

function cli(args: string[], env: Record<string, string>) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '', POSTGRES_DB: '', REDIS_URL: '', ...env },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );
}

describe.each(['local', 's3'] as Backend[])(
  'npm run media -- regenerate (%s storage)',
  (backend) => {
    it('rebuilds every thumbnail, rewrites old URLs and removes the files no row names', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'purchases-media-cli-'));
      dirs.push(dataDir);
      const s3 = backend === 's3' ? await startS3() : undefined;
      const db = await ownDatabase(dataDir);
      const env = { SECRET_KEY: 'test-secret', DATA_DIR: dataDir, ...s3?.env, ...db.env };
      const config = loadConfig({ ...env, CACHE_ENABLED: 'false' });
      const files = createStorage(config);
      try {
        // Pictures uploaded through the API, on this database and storage.
        let database: Database = await db.open();
        const queue = createInProcessQueue({ log: silentLog });
        const app = await buildApp({ config, database, queue, clock: systemClock, logger: false });
        const h = { app, database };
        const buyer = await createUser(h);
        const shopUser = await createUser(h, { type: 'shop' });
        const offer = await createOffer(h, await createShop(h, { userId: shopUser.id }));
        const avatar = (
          await uploadAvatar(client(h, buyer), await picture('jpeg', 1000, 800))
        ).json().avatar;
        const image = (
          await uploadImage(client(h, shopUser), offer.id, await picture('png', 900, 300))
        ).json();
        await app.close();

        // Stale: the avatar's small thumbnail of an old size; the gallery under an old MEDIA_URL.
        const [avatarRow] = await database.db
          .select()
          .from(avatars)
          .where(eq(avatars.userId, buyer.id));
        const folder = avatarRow!.small.slice(0, avatarRow!.small.lastIndexOf('/'));
        const oldSmall = `${folder}/${'0'.repeat(32)}.webp`;
        const oldThumb = await sharp(await picture('jpeg', 300, 240))
          .webp()
          .toBuffer();
        await files.put(oldSmall, oldThumb, 'image/webp');
        await database.db
          .update(avatars)
          .set({ small: oldSmall })
          .where(eq(avatars.userId, buyer.id));
        await database.db
          .update(offerImages)
          .set({ baseUrl: 'https://old.example/media/' })
          .where(eq(offerImages.id, image.id));
        await database.close();

        const [done, usage] = await Promise.all([
          cli(['media', 'regenerate'], env),
          cli(['media', 'rebuild'], env),
        ]);
        expect(done, done.out).toMatchObject({ code: 0 });
        expect(done.out).toMatch(/2 pictures: 2 rebuilt \(2 with new URLs\), 0 failed/);
        expect(usage).toMatchObject({ code: 1, out: expect.stringMatching(/media -- regenerate/) });

        database = await db.open();
        try {
          const [a] = await database.db.select().from(avatars).where(eq(avatars.userId, buyer.id));
          const [i] = await database.db
            .select()
            .from(offerImages)
            .where(eq(offerImages.id, image.id));
          // New thumbnails, made from the stored original, in the picture's own folder.
          expect(a!.small.startsWith(`${folder}/`)).toBe(true);
          expect(a!.small).not.toBe(oldSmall);
          expect(i!.baseUrl).toBe(files.baseUrl);
          const keys = await files.list();
          expect(keys).not.toContain(oldSmall);
          expect(keys).toEqual(expect.arrayContaining([a!.original, a!.small, a!.medium]));
          const uploadedMedium = avatar.thumbnails.medium.slice(files.baseUrl.length);
          if (a!.medium !== uploadedMedium) expect(keys).not.toContain(uploadedMedium);
          const small = await metadataOf(await files.get(a!.small));
          expect([small.format, small.width, small.height]).toEqual(['webp', 160, 128]);
        } finally {
          await database.close();
        }
      } finally {
        files.close();
        await db.drop();
        await s3?.close();
      }
    }, 120_000);
  },
);
