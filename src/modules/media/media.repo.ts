// The media module's SQL: avatars and offer galleries. Gallery changes of one offer run one at a
// time (an advisory lock on the offer: its row is the catalog's), so positions stay 0, 1, 2 … and
// no offer passes the gallery limit, however many uploads arrive together.
import { and, asc, count, eq, gt, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { avatars, offerImages } from './media.tables.js';

export type AvatarRow = typeof avatars.$inferSelect;
export type ImageRow = typeof offerImages.$inferSelect;

/** Where a picture's files are and how big it is: what every picture row holds. */
export interface StoredPicture {
  width: number;
  height: number;
  baseUrl: string;
  original: string;
  small: string;
  medium: string;
}

export const filesOf = (p: Pick<StoredPicture, 'original' | 'small' | 'medium'>) => [
  p.original,
  p.small,
  p.medium,
];

/** The pictures read as a gallery: a JSON array in gallery order of `galleryPictureSchema` objects. */
const galleryJsonAgg = sql`json_agg(json_build_object(
    'url', ${offerImages.baseUrl} || ${offerImages.original},
    'width', ${offerImages.width}, 'height', ${offerImages.height},
    'thumbnails', json_build_object(
      'small', ${offerImages.baseUrl} || ${offerImages.small},
      'medium', ${offerImages.baseUrl} || ${offerImages.medium}),
    'id', ${offerImages.id}, 'position', ${offerImages.position})
  order by ${offerImages.position}, ${offerImages.id})`;

/**
 * An offer's gallery as a JSON array in gallery order, for the catalog to put in the offers it
 * writes as JSON (a subquery run for each offer: for a few offers).
 */
export const galleryJsonOf = (offerId: AnyColumn | SQL) => sql`coalesce((
  select ${galleryJsonAgg} from ${offerImages} where ${offerImages.offerId} = ${offerId}),
  '[]'::json)`;

/**
 * The galleries of the offers `offerIds` (a subquery of ids) as rows `(offer_id, gallery)`, for a
 * page of offers to join: one read for the page instead of a subquery per offer (a fifth of a
 * catalog page's statement). Offers without pictures have no row.
 */
export const galleriesJsonOf = (offerIds: SQL) => sql`
  select ${offerImages.offerId} as offer_id, ${galleryJsonAgg} as gallery from ${offerImages}
  where ${offerImages.offerId} in (${offerIds}) group by ${offerImages.offerId}`;

export async function findAvatar(db: Executor, userId: number) {
  const [row] = await db.select().from(avatars).where(eq(avatars.userId, userId));
  return row;
}

/** One account's avatar changes one at a time (replacing reads the old files first). */
export async function lockAvatarOf(db: Executor, userId: number) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('avatars'), ${userId}::int)`);
}

export async function saveAvatar(db: Executor, userId: number, picture: StoredPicture) {
  const [row] = await db
    .insert(avatars)
    .values({ userId, ...picture })
    .onConflictDoUpdate({
      target: avatars.userId,
      set: { ...picture, updatedAt: sql`now()` },
    })
    .returning();
  return row!;
}

export async function deleteAvatar(db: Executor, userId: number) {
  const [row] = await db.delete(avatars).where(eq(avatars.userId, userId)).returning();
  return row;
}

export async function lockGalleryOf(db: Executor, offerId: number) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext('offer_images'), ${offerId}::int)`);
}

export async function countImages(db: Executor, offerId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(offerImages)
    .where(eq(offerImages.offerId, offerId));
  return row!.n;
}

export async function insertImage(
  db: Executor,
  offerId: number,
  position: number,
  picture: StoredPicture,
) {
  const [row] = await db
    .insert(offerImages)
    .values({ offerId, position, ...picture })
    .returning();
  return row!;
}

export async function findImage(db: Executor, id: number) {
  const [row] = await db.select().from(offerImages).where(eq(offerImages.id, id));
  return row;
}

/**
 * Moves a picture from its place to `to`; the pictures between shift by one towards where it
 * was. One statement, under the gallery's lock.
 */
export async function moveImage(db: Executor, image: ImageRow, to: number) {
  const from = image.position;
  const rows = await db
    .update(offerImages)
    .set({
      position: sql`case when ${offerImages.id} = ${image.id} then ${to}::int
        when ${to}::int < ${from}::int then ${offerImages.position} + 1
        else ${offerImages.position} - 1 end`,
    })
    .where(
      and(
        eq(offerImages.offerId, image.offerId),
        sql`${offerImages.position} between least(${from}::int, ${to}::int) and greatest(${from}::int, ${to}::int)`,
      ),
    )
    .returning();
  return rows.find((r) => r.id === image.id)!;
}

/** Removes a picture and closes the gap it leaves. */
export async function deleteImage(db: Executor, image: ImageRow) {
  const [row] = await db.delete(offerImages).where(eq(offerImages.id, image.id)).returning();
  if (!row) return undefined;
  await db
    .update(offerImages)
    .set({ position: sql`${offerImages.position} - 1` })
    .where(and(eq(offerImages.offerId, row.offerId), gt(offerImages.position, row.position)));
  return row;
}

/** Pictures of either kind, in batches by key (the thumbnail rebuild walks them all). */
export function avatarsAfter(db: Executor, userId: number, limit: number) {
  return db
    .select()
    .from(avatars)
    .where(gt(avatars.userId, userId))
    .orderBy(asc(avatars.userId))
    .limit(limit);
}

export function imagesAfter(db: Executor, id: number, limit: number) {
  return db
    .select()
    .from(offerImages)
    .where(gt(offerImages.id, id))
    .orderBy(asc(offerImages.id))
    .limit(limit);
}

export async function countPictures(db: Executor): Promise<number> {
  const [a] = await db.select({ n: count() }).from(avatars);
  const [i] = await db.select({ n: count() }).from(offerImages);
  return a!.n + i!.n;
}

type Thumbs = Pick<StoredPicture, 'baseUrl' | 'small' | 'medium'>;

/**
 * New thumbnails for a picture that is still the upload of `original` (one replaced or deleted
 * meanwhile is left alone): true if the row took them.
 */
export async function replaceAvatarThumbnails(
  db: Executor,
  userId: number,
  original: string,
  now: Thumbs,
) {
  const rows = await db
    .update(avatars)
    .set(now)
    .where(and(eq(avatars.userId, userId), eq(avatars.original, original)))
    .returning({ userId: avatars.userId });
  return rows.length > 0;
}

export async function replaceImageThumbnails(
  db: Executor,
  id: number,
  original: string,
  now: Thumbs,
) {
  const rows = await db
    .update(offerImages)
    .set(now)
    .where(and(eq(offerImages.id, id), eq(offerImages.original, original)))
    .returning({ id: offerImages.id });
  return rows.length > 0;
}
