// Pictures: avatars and offer galleries, their files and thumbnails. What other modules and the
// app may use. The catalog puts galleries into the offers it writes (`galleryJsonOf`,
// `galleriesJsonOf`); whose an offer is comes in from the catalog at wiring time (`OfferOwners`),
// so media imports no module.
import type { Executor } from '../../platform/db/client.js';
import * as repo from './media.repo.js';
import type { Picture } from './media.schemas.js';
import { pictureOf } from './media.service.js';

export { mediaRoutes } from './media.routes.js';
export { mediaFilesRoute } from './media.files.js';
export { createPictureProcessor, type PictureProcessor } from './media.process.js';
export { createMediaService, type MediaService, type OfferOwners } from './media.service.js';
export { galleriesJsonOf, galleryJsonOf } from './media.repo.js';
export type { RegenerationResult } from './media.regenerate.js';
export {
  galleryPictureSchema,
  pictureSchema,
  type GalleryPicture,
  type Picture,
} from './media.schemas.js';

/** The account's avatar, or null. */
export async function findAvatar(db: Executor, userId: number): Promise<Picture | null> {
  const row = await repo.findAvatar(db, userId);
  return row ? pictureOf(row) : null;
}
