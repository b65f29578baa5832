// Offer galleries through HTTP: order and `position`, the limit of 10 under parallel uploads,
// who may touch which picture, files removed with their picture, and the catalog (its one
// statement per page and its cache) showing every change. Run on each storage backend.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOffer, setOfferWithdrawn } from '../../../test/catalog-factory.js';
import { client } from '../../../test/client.js';
import { createUser, isPostgres, openTestDatabase } from '../../../test/harness.js';
import { form } from '../../../test/images.js';
import {
  createMediaHarness,
  fetchUrl,
  keysOf,
  shopWithOffer,
  somePicture,
  sortedKeys,
  uploadImage,
  type Backend,
  type MediaHarness,
  type PictureJson,
} from './media.test-helpers.js';

export function gallerySuite(backend: Backend) {
  describe(`offer galleries (${backend} storage)`, () => {
    let h: MediaHarness;
    beforeAll(async () => void (h = await createMediaHarness(backend, { CACHE_ENABLED: 'true' })));
    afterAll(() => h.close());

    const imagesOf = async (offerId: number) => {
      const res = await client(h).get(`/products/${offerId}/`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().images as PictureJson[];
    };
    const upload = async (as: Parameters<typeof uploadImage>[0], offerId: number) => {
      const res = await uploadImage(as, offerId, await somePicture());
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as PictureJson & { id: number; position: number };
    };

    it('shows pictures in gallery order in /products/{id}/ and /products/, moved by PATCH', async () => {
      const { as, offer, shop } = await shopWithOffer(h);
      // Both reads are cached now: every change below must drop them.
      expect(await imagesOf(offer.id)).toEqual([]);
      expect(
        (await client(h).get(`/products/?shop_id=${shop.id}`)).json().results[0].images,
      ).toEqual([]);
      expect((await client(h).get(`/products/${offer.id}/`)).headers['x-cache']).toBe('hit');
      const [a, b, c] = [
        await upload(as, offer.id),
        await upload(as, offer.id),
        await upload(as, offer.id),
      ];
      expect([a!.position, b!.position, c!.position]).toEqual([0, 1, 2]);
      expect(await imagesOf(offer.id)).toEqual([a, b, c]);
      const page = (await client(h).get(`/products/?shop_id=${shop.id}`)).json();
      expect(page.results[0].images).toEqual([a, b, c]);
      for (const p of [a!, b!, c!])
        expect((await fetchUrl(h, p.thumbnails.medium)).status).toBe(200);

      const moved = await as.patch(`/product/image/${c!.id}/`, { position: 0 });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toEqual({ ...c, position: 0 });
      expect((await imagesOf(offer.id)).map((p) => [p.id, p.position])).toEqual([
        [c!.id, 0],
        [a!.id, 1],
        [b!.id, 2],
      ]);
      await as.patch(`/product/image/${c!.id}/`, { position: 2 });
      expect((await imagesOf(offer.id)).map((p) => p.id)).toEqual([a!.id, b!.id, c!.id]);
      await as.patch(`/product/image/${a!.id}/`, { position: 1 });
      expect((await imagesOf(offer.id)).map((p) => p.id)).toEqual([b!.id, a!.id, c!.id]);

      const past = await as.patch(`/product/image/${a!.id}/`, { position: 3 });
      expect(past.statusCode).toBe(400);
      expect(past.json().errors).toEqual([{ field: 'position', message: 'must be at most 2' }]);
      for (const body of [{ position: -1 }, { position: 1.5 }, { position: 1, id: 2 }, {}])
        expect((await as.patch(`/product/image/${a!.id}/`, body)).statusCode).toBe(400);
    });

    it('deletes a picture with its files and closes the gap', async () => {
      const { as, offer } = await shopWithOffer(h);
      const [a, b, c] = [
        await upload(as, offer.id),
        await upload(as, offer.id),
        await upload(as, offer.id),
      ];
      expect((await as.delete(`/product/image/${b!.id}/`)).statusCode).toBe(204);
      expect((await imagesOf(offer.id)).map((p) => [p.id, p.position])).toEqual([
        [a!.id, 0],
        [c!.id, 1],
      ]);
      const keys = await h.files.list();
      for (const key of keysOf(h, b!)) expect(keys).not.toContain(key);
      expect(keys).toEqual(expect.arrayContaining([...keysOf(h, a!), ...keysOf(h, c!)]));
      expect((await fetchUrl(h, b!.url)).status).toBe(404);
      expect((await as.delete(`/product/image/${b!.id}/`)).statusCode).toBe(404);
    });

    it('keeps at most 10 pictures per offer: the 11th is 409 and stores nothing', async () => {
      const { as, offer } = await shopWithOffer(h);
      for (let i = 0; i < 10; i++) await upload(as, offer.id);
      const before = await h.files.list();
      const res = await uploadImage(as, offer.id, await somePicture('png'));
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ type: '/problems/gallery-full', max: 10 });
      expect(await h.files.list()).toEqual(before);
      expect((await imagesOf(offer.id)).map((p) => p.position)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
    });

    it('holds the limit against parallel uploads, and the refused leave no files', async () => {
      const { as, offer } = await shopWithOffer(h);
      for (let i = 0; i < 5; i++) await upload(as, offer.id);
      const before = await h.files.list();
      const pictures = await Promise.all(Array.from({ length: 7 }, () => somePicture()));
      const answers = await Promise.all(pictures.map((p) => uploadImage(as, offer.id, p)));
      const statuses = answers.map((r) => r.statusCode);
      for (const s of statuses) expect([201, 409, 503]).toContain(s);
      const taken = answers.filter((r) => r.statusCode === 201).map((r) => r.json());
      if (!statuses.includes(503)) expect(taken.length).toBe(5);
      const gallery = await imagesOf(offer.id);
      expect(gallery.map((p) => p.position)).toEqual([...Array(5 + taken.length).keys()]);
      expect(await h.files.list()).toEqual(sortedKeys(h, before, taken));
    });

    it.runIf(isPostgres)(
      'removes the files of an upload whose database write fails (PostgreSQL: needs a second connection)',
      async () => {
        const { as, offer } = await shopWithOffer(h);
        const before = await h.files.list();
        // One connection holds the transaction, the other watches the locks.
        const other = await openTestDatabase(2);
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let filling: Promise<void> | undefined;
        try {
          // Another transaction fills the gallery while holding its lock; the upload, checked
          // and processed, waits for the lock with its files written, then finds no room.
          let locked!: () => void;
          const isLocked = new Promise<void>((r) => (locked = r));
          filling = other.db.transaction(async (tx) => {
            await tx.execute(
              sql`select pg_advisory_xact_lock(hashtext('offer_images'), ${offer.id}::int)`,
            );
            for (let i = 0; i < 10; i++) {
              await tx.execute(sql`insert into offer_images (offer_id, position, width, height, base_url, original, small, medium)
                values (${offer.id}, ${i}, 1, 1, '/media/', 'x', 'x', 'x')`);
            }
            locked();
            await released;
          });
          await isLocked;
          const answer = uploadImage(as, offer.id, await somePicture());
          await waitForLockWaiter(other, offer.id);
          release();
          await filling;
          const res = await answer;
          expect(res.statusCode, res.body).toBe(409);
          expect(await h.files.list()).toEqual(before);
        } finally {
          release();
          await filling?.catch(() => {});
          await other.close();
        }
      },
    );

    it('lets only the owning shop touch a gallery: others 404, buyers 403, anonymous 401', async () => {
      const mine = await shopWithOffer(h);
      const theirs = await shopWithOffer(h);
      const buyer = client(h, await createUser(h));
      const picture = await upload(mine.as, mine.offer.id);
      const photo = await somePicture();

      expect((await uploadImage(theirs.as, mine.offer.id, photo)).statusCode).toBe(404);
      expect((await uploadImage(mine.as, 2_000_000_000, photo)).statusCode).toBe(404);
      expect(
        (await theirs.as.patch(`/product/image/${picture.id}/`, { position: 0 })).statusCode,
      ).toBe(404);
      expect((await theirs.as.delete(`/product/image/${picture.id}/`)).statusCode).toBe(404);
      expect((await mine.as.delete('/product/image/2000000000/')).statusCode).toBe(404);
      expect((await uploadImage(buyer, mine.offer.id, photo)).statusCode).toBe(403);
      expect((await buyer.patch(`/product/image/${picture.id}/`, { position: 0 })).statusCode).toBe(
        403,
      );
      expect((await buyer.delete(`/product/image/${picture.id}/`)).statusCode).toBe(403);
      expect((await uploadImage(client(h), mine.offer.id, photo)).statusCode).toBe(401);
      expect(await imagesOf(mine.offer.id)).toEqual([picture]);

      const bad = await mine.as.post(
        '/product/image/upload/',
        undefined,
        form({ product_info: 'abc', image: { data: photo, filename: 'a.jpg' } }),
      );
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].field).toBe('product_info');

      // A withdrawn offer is still the shop's: its gallery waits for it to come back.
      const withdrawn = await createOffer(h, mine.shop);
      await setOfferWithdrawn(h, withdrawn, true);
      expect((await uploadImage(mine.as, withdrawn.id, photo)).statusCode).toBe(201);
    });

    it('costs a page the same statements with pictures as without (no query per offer)', async () => {
      const { as, shop } = await shopWithOffer(h);
      const bare = await shopWithOffer(h);
      for (let i = 0; i < 3; i++) {
        const offer = await createOffer(h, shop);
        await upload(as, offer.id);
        await upload(as, offer.id);
        await createOffer(h, bare.shop);
      }
      const cost = async (shopId: number) => {
        const before = h.database.queries.count;
        const page = (await client(h).get(`/products/?shop_id=${shopId}&page_size=4`)).json();
        return {
          queries: h.database.queries.count - before,
          images: page.results.flatMap((o: { images: unknown[] }) => o.images).length,
        };
      };
      const withPictures = await cost(shop.id);
      const without = await cost(bare.shop.id);
      expect(withPictures.images).toBe(6);
      expect(without.images).toBe(0);
      expect(withPictures.queries).toBe(without.queries);
    });
  });
}

/** Resolves once a session waits for the gallery lock of the offer (polls pg_locks). */
async function waitForLockWaiter(
  db: Awaited<ReturnType<typeof openTestDatabase>>,
  offerId: number,
) {
  for (;;) {
    const rows = (await db.db.execute(
      sql`select 1 from pg_locks where locktype = 'advisory' and not granted and objsubid = 2
        and objid = ${offerId}::oid
        and classid = (hashtext('offer_images')::bigint & 4294967295)::oid`,
    )) as unknown as { rows: unknown[] };
    if (rows.rows.length > 0) return;
    await new Promise((r) => setImmediate(r));
  }
}
