// Avatars and offer galleries. An upload is processed, its files written, then its row saved;
// whatever fails after the files exist removes them again, and a row that is replaced or deleted
// takes its files along once the change has committed. Offers are the catalog's: whose an offer
// is, and telling the catalog that a gallery changed, are passed in (`OfferOwners`).
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import type { JobQueue } from '../../platform/queue.js';
import type { Storage } from '../../platform/storage.js';
import { fileKey, newFolder, type Kind } from './media.files.js';
import { CONTENT_TYPES, type EncodedFile, type PictureProcessor } from './media.process.js';
import { createRegeneration } from './media.regenerate.js';
import * as repo from './media.repo.js';
import { MAX_GALLERY, type GalleryPicture, type Picture } from './media.schemas.js';

export interface OfferOwners {
  /** The account whose shop has this offer; undefined when there is no such offer. */
  ownerOf(offerId: number): Promise<number | undefined>;
  /** Told after a gallery changed, so cached catalog pages show it. */
  changed(): Promise<void>;
}

export interface MediaDeps {
  db: Db;
  storage: Storage;
  processor: PictureProcessor;
  catalog: OfferOwners;
  queue: JobQueue;
  log: FastifyBaseLogger;
}

export type MediaService = ReturnType<typeof createMediaService>;

export const pictureOf = (row: repo.StoredPicture): Picture => ({
  url: row.baseUrl + row.original,
  width: row.width,
  height: row.height,
  thumbnails: { small: row.baseUrl + row.small, medium: row.baseUrl + row.medium },
});

const galleryPictureOf = (row: repo.ImageRow): GalleryPicture => ({
  ...pictureOf(row),
  id: row.id,
  position: row.position,
});

const imageNotFound = (id: number) => problem.notFound(`Picture ${id} not found.`);

export function createMediaService(deps: MediaDeps) {
  const { db, storage, processor, catalog, queue, log } = deps;
  let admitted = 0;

  /** Removes files no row names any more; a failure is logged, never the client's problem. */
  async function discard(keys: string[]) {
    try {
      await storage.delete([...new Set(keys)]);
    } catch (err) {
      log.error({ err, keys }, 'media files not removed');
    }
  }

  /** Processes the upload and writes its files in a folder of their own, named by content. */
  async function store(kind: Kind, input: Buffer): Promise<repo.StoredPicture> {
    const picture = await processor.process(input);
    const folder = newFolder(kind);
    const keyOf = (f: EncodedFile) => fileKey(folder, f);
    const files = [picture.original, picture.small, picture.medium];
    const written = await Promise.allSettled(
      files.map((f) => storage.put(keyOf(f), f.data, CONTENT_TYPES[f.ext]!)),
    );
    const failed = written.find((w) => w.status === 'rejected');
    if (failed) {
      await discard(files.map(keyOf));
      throw failed.reason;
    }
    return {
      width: picture.width,
      height: picture.height,
      baseUrl: storage.baseUrl,
      original: keyOf(picture.original),
      small: keyOf(picture.small),
      medium: keyOf(picture.medium),
    };
  }

  /** Stores the upload and saves its row with `save`; if saving fails, no file stays behind. */
  async function keep<T>(kind: Kind, input: Buffer, save: (p: repo.StoredPicture) => Promise<T>) {
    const stored = await store(kind, input);
    try {
      return await save(stored);
    } catch (err) {
      await discard(repo.filesOf(stored));
      throw err;
    }
  }

  async function ownOffer(userId: number, offerId: number) {
    if ((await catalog.ownerOf(offerId)) !== userId)
      throw problem.notFound(`Offer ${offerId} not found among your shop's offers.`);
  }

  /** A picture of one of the account's offers. */
  async function ownImage(userId: number, id: number) {
    const image = await repo.findImage(db, id);
    if (!image || (await catalog.ownerOf(image.offerId)) !== userId) throw imageNotFound(id);
    return image;
  }

  const galleryFull = () =>
    problem.galleryFull(`An offer has at most ${MAX_GALLERY} pictures; delete one first.`, {
      extra: { max: MAX_GALLERY },
    });

  const regeneration = createRegeneration({ db, storage, processor, catalog, queue, log, discard });

  return {
    /**
     * Runs an upload (reading it included) if fewer than the processor admits are under way,
     * else 503 at once: an upload waiting for its turn holds its file in memory, so the number
     * waiting is bounded too.
     */
    async admit<T>(work: () => Promise<T>): Promise<T> {
      if (admitted >= processor.admits) {
        throw problem.busy('Too many pictures are being processed; send it again in a moment.', {
          headers: { 'Retry-After': '2' },
        });
      }
      admitted++;
      try {
        return await work();
      } finally {
        admitted--;
      }
    },

    async setAvatar(userId: number, input: Buffer): Promise<Picture> {
      const { row, old } = await keep('avatars', input, (stored) =>
        db.transaction(async (tx) => {
          await repo.lockAvatarOf(tx, userId);
          const old = await repo.findAvatar(tx, userId);
          return { row: await repo.saveAvatar(tx, userId, stored), old };
        }),
      );
      if (old) await discard(repo.filesOf(old));
      return pictureOf(row);
    },

    /** Nothing to delete is no error: the account has no avatar either way. */
    async deleteAvatar(userId: number) {
      const old = await repo.deleteAvatar(db, userId);
      if (old) await discard(repo.filesOf(old));
    },

    async addImage(userId: number, offerId: number, input: Buffer): Promise<GalleryPicture> {
      await ownOffer(userId, offerId);
      // Checked before the work of processing too; the count under the lock is the one that holds.
      if ((await repo.countImages(db, offerId)) >= MAX_GALLERY) throw galleryFull();
      const row = await keep('offers', input, (stored) =>
        db.transaction(async (tx) => {
          await repo.lockGalleryOf(tx, offerId);
          const count = await repo.countImages(tx, offerId);
          if (count >= MAX_GALLERY) throw galleryFull();
          return repo.insertImage(tx, offerId, count, stored);
        }),
      );
      await catalog.changed();
      return galleryPictureOf(row);
    },

    async moveImage(userId: number, id: number, position: number): Promise<GalleryPicture> {
      const { offerId } = await ownImage(userId, id);
      const row = await db.transaction(async (tx) => {
        await repo.lockGalleryOf(tx, offerId);
        const image = await repo.findImage(tx, id);
        if (!image) throw imageNotFound(id);
        const count = await repo.countImages(tx, offerId);
        if (position >= count) {
          throw problem.validation(
            `The gallery has ${count} pictures: positions 0 to ${count - 1}.`,
            {
              errors: [{ field: 'position', message: `must be at most ${count - 1}` }],
            },
          );
        }
        return repo.moveImage(tx, image, position);
      });
      await catalog.changed();
      return galleryPictureOf(row);
    },

    async deleteImage(userId: number, id: number) {
      const { offerId } = await ownImage(userId, id);
      const row = await db.transaction(async (tx) => {
        await repo.lockGalleryOf(tx, offerId);
        const image = await repo.findImage(tx, id);
        return image && repo.deleteImage(tx, image);
      });
      if (!row) throw imageNotFound(id);
      await catalog.changed();
      await discard(repo.filesOf(row));
    },

    /** Queues the rebuild of every thumbnail (`npm run media -- regenerate`); its job id. */
    startRegeneration: () => regeneration.start(),
  };
}
