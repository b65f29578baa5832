// Avatars through HTTP with real pictures: what is accepted, what is stored, what is refused, and
// that no file outlives its picture. Run on each storage backend (media.local.test.ts,
// media.s3.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createUser } from '../../../test/harness.js';
import {
  animation,
  form,
  isBlue,
  isRed,
  picture,
  pixel,
  pngClaiming30000Square,
  pngOfAtLeast,
  sidewaysPhotoWithGps,
} from '../../../test/images.js';
import {
  createMediaHarness,
  fetchUrl,
  keysOf,
  metadataOf,
  sortedKeys,
  uploadAvatar,
  type Backend,
  type MediaHarness,
  type PictureJson,
} from './media.test-helpers.js';

export function pictureSuite(backend: Backend) {
  describe(`avatars and picture processing (${backend} storage)`, () => {
    let h: MediaHarness;
    beforeAll(async () => void (h = await createMediaHarness(backend)));
    afterAll(() => h.close());

    const newUser = async () => client(h, await createUser(h));
    const fetched = async (url: string) => {
      const res = await fetchUrl(h, url);
      expect(res.status, url).toBe(200);
      return res;
    };
    /** The upload answers only when its files exist: each URL serves its picture at once. */
    async function stored(p: PictureJson) {
      const [original, small, medium] = await Promise.all(
        [p.url, p.thumbnails.small, p.thumbnails.medium].map(fetched),
      );
      return {
        original: original!,
        small: await metadataOf(small!.body),
        medium: await metadataOf(medium!.body),
      };
    }
    /** Keys stored now, to prove a refused upload left none behind. */
    const allKeys = () => h.files.list();

    it.each([
      ['jpeg', 'image/jpeg', 'jpg'],
      ['png', 'image/png', 'png'],
      ['gif', 'image/gif', 'gif'],
      ['webp', 'image/webp', 'webp'],
    ] as const)('takes a %s avatar, re-encoded in its own format', async (format, type, ext) => {
      const as = await newUser();
      const res = await uploadAvatar(as, await picture(format, 400, 300), `me.${ext}`);
      expect(res.statusCode, res.body).toBe(200);
      const avatar = res.json().avatar as PictureJson;
      expect(avatar).toMatchObject({ width: 400, height: 300 });
      expect(avatar.url).toMatch(
        new RegExp(`^${h.files.baseUrl}avatars/.+/[0-9a-f]{32}\\.${ext}$`),
      );
      const files = await stored(avatar);
      expect(files.original.headers['content-type']).toBe(type);
      expect((await metadataOf(files.original.body)).format).toBe(format);
      expect([files.small.format, files.medium.format]).toEqual(['webp', 'webp']);
      expect((await as.get('/user/details/')).json().avatar).toEqual(avatar);
    });

    it('stores a sideways phone photo upright, without EXIF, GPS or other metadata', async () => {
      const photo = await sidewaysPhotoWithGps();
      const before = await metadataOf(photo);
      expect([before.orientation, before.width, Boolean(before.exif)]).toEqual([6, 300, true]);

      const res = await uploadAvatar(await newUser(), photo);
      expect(res.statusCode, res.body).toBe(200);
      const avatar = res.json().avatar as PictureJson;
      expect([avatar.width, avatar.height]).toEqual([200, 300]);
      const files = await stored(avatar);
      const meta = await metadataOf(files.original.body);
      expect([meta.width, meta.height]).toEqual([200, 300]);
      expect(meta.orientation).toBeUndefined();
      expect([meta.exif, meta.xmp, meta.icc, meta.iptc]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(files.original.body.includes('PhoneCam')).toBe(false);
      // The red quarter was top-left as stored; upright, it is top-right.
      expect(isRed(await pixel(files.original.body, 190, 10))).toBe(true);
      expect(isBlue(await pixel(files.original.body, 10, 10))).toBe(true);
      expect([files.medium.width, files.medium.height, files.medium.exif]).toEqual([
        200,
        300,
        undefined,
      ]);
    });

    it('makes thumbnails of 160 and 640 px on the longer side, never enlarged', async () => {
      const wide = (await uploadAvatar(await newUser(), await picture('jpeg', 2000, 1000))).json()
        .avatar as PictureJson;
      const files = await stored(wide);
      expect([files.small.width, files.small.height]).toEqual([160, 80]);
      expect([files.medium.width, files.medium.height]).toEqual([640, 320]);

      const tall = (await uploadAvatar(await newUser(), await picture('png', 500, 1000))).json()
        .avatar as PictureJson;
      const tallFiles = await stored(tall);
      expect([tallFiles.small.width, tallFiles.small.height]).toEqual([80, 160]);
      expect([tallFiles.medium.width, tallFiles.medium.height]).toEqual([320, 640]);

      const tiny = (await uploadAvatar(await newUser(), await picture('png', 100, 50))).json()
        .avatar as PictureJson;
      const tinyFiles = await stored(tiny);
      expect([tinyFiles.small.width, tinyFiles.medium.width]).toEqual([100, 100]);
    });

    it.each(['gif', 'webp'] as const)(
      'keeps an animated %s animated; its thumbnails show the first frame',
      async (format) => {
        const res = await uploadAvatar(await newUser(), await animation(format), `a.${format}`);
        expect(res.statusCode, res.body).toBe(200);
        const avatar = res.json().avatar as PictureJson;
        expect([avatar.width, avatar.height]).toEqual([120, 80]);
        const files = await stored(avatar);
        const original = await metadataOf(files.original.body);
        expect([original.format, original.pages, original.pageHeight]).toEqual([format, 3, 80]);
        expect([files.small.pages ?? 1, files.medium.pages ?? 1]).toEqual([1, 1]);
        const medium = await fetchUrl(h, avatar.thumbnails.medium);
        expect(isRed(await pixel(medium.body, 60, 40))).toBe(true);
      },
    );

    it('replacing an avatar removes the old files; deleting removes the rest', async () => {
      const as = await newUser();
      const first = (await uploadAvatar(as, await picture('jpeg', 300, 200))).json()
        .avatar as PictureJson;
      const second = (await uploadAvatar(as, await picture('png', 200, 300))).json()
        .avatar as PictureJson;
      const keys = await allKeys();
      expect(keys).toEqual(expect.arrayContaining(keysOf(h, second)));
      for (const key of keysOf(h, first)) expect(keys).not.toContain(key);
      expect((await fetchUrl(h, first.url)).status).toBe(404);
      expect((await as.get('/user/details/')).json().avatar).toEqual(second);

      expect((await as.delete('/user/avatar/delete/')).statusCode).toBe(204);
      const left = await allKeys();
      for (const key of keysOf(h, second)) expect(left).not.toContain(key);
      expect((await fetchUrl(h, second.thumbnails.small)).status).toBe(404);
      expect((await as.get('/user/details/')).json().avatar).toBeNull();
      expect((await as.delete('/user/avatar/delete/')).statusCode).toBe(204);
    });

    it('recognises the type by content: text named .png, SVG, PDF and TIFF are 415', async () => {
      const as = await newUser();
      const before = await allKeys();
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>';
      const cases = [
        { data: 'just some text, not a picture', filename: 'cat.png', contentType: 'image/png' },
        { data: svg, filename: 'logo.svg', contentType: 'image/svg+xml' },
        { data: svg, filename: 'logo.jpg', contentType: 'image/jpeg' },
        { data: '%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n', filename: 'a.png' },
        { data: await picture('tiff', 20, 20), filename: 'scan.png' },
      ];
      for (const avatar of cases) {
        const res = await as.put('/user/avatar/upload/', undefined, form({ avatar }));
        expect(res.statusCode, avatar.filename).toBe(415);
        expect(res.json().type).toBe('/problems/unsupported-picture');
        expect(res.json().detail).toMatch(/JPEG, PNG, GIF or WebP/);
      }
      expect(await allKeys()).toEqual(before);
      expect((await as.get('/user/details/')).json().avatar).toBeNull();
    });

    it('refuses a header claiming 30000×30000 with 422 at once, and stays healthy', async () => {
      const as = await newUser();
      const before = await allKeys();
      const res = await uploadAvatar(as, await pngClaiming30000Square(), 'huge.png');
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().type).toBe('/problems/unprocessable-picture');
      expect(res.json().detail).toMatch(/more than 40000000 pixels/);
      expect((await client(h).get('/health/')).statusCode).toBe(200);
      expect((await uploadAvatar(as, await picture('png', 50, 50))).statusCode).toBe(200);

      const photo = await picture('jpeg', 300, 200);
      const cut = await uploadAvatar(await newUser(), photo.subarray(0, photo.length >> 1));
      expect(cut.statusCode, cut.body).toBe(422);
      expect(cut.json().detail).toMatch(/cannot be decoded/);
      const avatar = (await as.get('/user/details/')).json().avatar as PictureJson;
      expect(await allKeys()).toEqual(sortedKeys(h, before, [avatar]));
    });

    it('counts every frame against MEDIA_MAX_PIXELS', async () => {
      const strict = await createMediaHarness(backend, { MEDIA_MAX_PIXELS: '20000' });
      try {
        const as = client(strict, await createUser(strict));
        // 3 frames of 120×80 = 28,800 pixels; one frame is 9,600.
        const res = await uploadAvatar(as, await animation('gif'), 'a.gif');
        expect(res.statusCode, res.body).toBe(422);
        expect(res.json().detail).toMatch(/more than 20000 pixels/);
        expect((await uploadAvatar(as, await picture('png', 120, 80))).statusCode).toBe(200);
      } finally {
        await strict.close();
      }
    });

    it('cuts an 11 MB upload at 10 MB: 413, nothing stored', async () => {
      const as = await newUser();
      const before = await allKeys();
      const big = await pngOfAtLeast(11 * 1024 * 1024);
      const res = await uploadAvatar(as, big, 'big.png');
      expect(res.statusCode, res.body).toBe(413);
      expect(res.json()).toMatchObject({
        type: '/problems/picture-too-large',
        max_bytes: 10 * 1024 * 1024,
      });
      expect(await allKeys()).toEqual(before);
    });

    it('says what is wrong with a form: 400 for a missing or extra part, 415 for JSON', async () => {
      const as = await newUser();
      const photo = await picture('jpeg', 40, 40);
      const missing = await as.put('/user/avatar/upload/', undefined, form({ note: 'hi' }));
      expect(missing.statusCode).toBe(400);
      const wrongField = await as.put(
        '/user/avatar/upload/',
        undefined,
        form({ picture: { data: photo, filename: 'a.jpg' } }),
      );
      expect(wrongField.statusCode).toBe(400);
      expect(wrongField.json().errors).toEqual([{ field: 'picture', message: 'unexpected file' }]);
      const json = await as.put('/user/avatar/upload/', { avatar: 'x' });
      expect(json.statusCode).toBe(415);
      expect((await client(h).put('/user/avatar/upload/', undefined, form({}))).statusCode).toBe(
        401,
      );
    });

    it('answers a burst of uploads with 200 or 503 (Retry-After), keeping only what it took', async () => {
      const before = await allKeys();
      const users = await Promise.all(Array.from({ length: 12 }, () => newUser()));
      const photo = await picture('jpeg', 1200, 900);
      const answers = await Promise.all(users.map((as) => uploadAvatar(as, photo)));
      for (const res of answers) {
        expect([200, 503], res.body).toContain(res.statusCode);
        if (res.statusCode === 503) expect(res.headers['retry-after']).toBe('2');
      }
      const taken = answers.filter((r) => r.statusCode === 200);
      expect(taken.length).toBeGreaterThan(0);
      const keys = await allKeys();
      expect(keys.length).toBe(before.length + 3 * taken.length);
      for (const res of taken)
        expect(keys).toEqual(expect.arrayContaining(keysOf(h, res.json().avatar)));
    });
  });
}
