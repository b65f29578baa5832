// `npm run media -- regenerate`: new thumbnails for every stored picture from its original, as a
// job (for when thumbnail sizes change, or MEDIA_URL does: the URLs are rewritten too). A picture
// replaced or deleted while the job runs is left alone, and files the job wrote for it go again.
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../platform/db/client.js';
import type { JobDefinition, JobQueue } from '../../platform/queue.js';
import type { Storage } from '../../platform/storage.js';
import { fileKey, folderOf } from './media.files.js';
import type { PictureProcessor } from './media.process.js';
import * as repo from './media.repo.js';

const BATCH = 100;

export interface RegenerationResult {
  pictures: number;
  rebuilt: number;
  /** Pictures whose URLs changed (new thumbnail sizes, another MEDIA_URL). */
  changed: number;
  /** Pictures whose original could not be read or decoded (logged). */
  failed: number;
}

interface RegenerationDeps {
  db: Db;
  storage: Storage;
  processor: PictureProcessor;
  /** Told when gallery URLs changed, so cached catalog pages show them. */
  catalog: { changed(): Promise<void> };
  queue: JobQueue;
  log: FastifyBaseLogger;
  discard(keys: string[]): Promise<void>;
}

export function createRegeneration(deps: RegenerationDeps) {
  const { db, storage, processor, log, discard } = deps;

  /**
   * Writes new thumbnails for one picture (always: a lost one comes back too) and points its row
   * at them; true if its URLs changed. Thumbnails the row no longer names are removed.
   */
  async function rebuild(kind: 'avatar' | 'image', key: number, row: repo.StoredPicture) {
    const thumbnails = await processor.thumbnails(await storage.get(row.original));
    const folder = folderOf(row.original);
    const small = fileKey(folder, thumbnails.small);
    const medium = fileKey(folder, thumbnails.medium);
    await storage.put(small, thumbnails.small.data, 'image/webp');
    await storage.put(medium, thumbnails.medium.data, 'image/webp');
    const now = { baseUrl: storage.baseUrl, small, medium };
    if (small === row.small && medium === row.medium && now.baseUrl === row.baseUrl) return false;
    const old = [row.small, row.medium];
    const replace = kind === 'avatar' ? repo.replaceAvatarThumbnails : repo.replaceImageThumbnails;
    if (await replace(db, key, row.original, now)) {
      await discard(old.filter((k) => k !== small && k !== medium));
      return true;
    }
    // Replaced or deleted meanwhile: these files are in its old folder, which nothing names now.
    await discard([small, medium]);
    return false;
  }

  const job: JobDefinition<Record<string, never>, RegenerationResult> = deps.queue.register({
    name: 'media.regenerate-thumbnails',
    queue: 'media',
    attempts: 1,
    handler: async (_payload, ctx) => {
      const result: RegenerationResult = { pictures: 0, rebuilt: 0, changed: 0, failed: 0 };
      const total = await repo.countPictures(db);
      const step = async (kind: 'avatar' | 'image', key: number, row: repo.StoredPicture) => {
        try {
          if (await rebuild(kind, key, row)) result.changed++;
          result.rebuilt++;
        } catch (err) {
          result.failed++;
          log.error({ err, kind, key, original: row.original }, 'thumbnails not rebuilt');
        }
        await ctx.progress(++result.pictures, total);
      };
      for (let last = 0, rows; (rows = await repo.avatarsAfter(db, last, BATCH)).length > 0;) {
        for (const row of rows) await step('avatar', row.userId, row);
        last = rows.at(-1)!.userId;
      }
      let galleries = 0;
      for (let last = 0, rows; (rows = await repo.imagesAfter(db, last, BATCH)).length > 0;) {
        const before = result.changed;
        for (const row of rows) await step('image', row.id, row);
        galleries += result.changed - before;
        last = rows.at(-1)!.id;
      }
      if (galleries > 0) await deps.catalog.changed();
      return result;
    },
  });

  return { start: () => deps.queue.enqueue(job, {}) };
}
