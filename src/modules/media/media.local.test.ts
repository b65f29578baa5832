// The media suite on local storage, and how the app serves MEDIA_ROOT under /media/.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createUser } from '../../../test/harness.js';
import { picture } from '../../../test/images.js';
import { gallerySuite } from './media.gallery.test-helpers.js';
import { pictureSuite } from './media.pictures.test-helpers.js';
import {
  createMediaHarness,
  uploadAvatar,
  type MediaHarness,
  type PictureJson,
} from './media.test-helpers.js';

pictureSuite('local');
gallerySuite('local');

/** GET exactly this path over a socket (no client tidies `..` away first). */
function rawGet(port: number, path: string) {
  return new Promise<{ status: number; type: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('/media/ on local storage', () => {
  let h: MediaHarness;
  let avatar: PictureJson;
  beforeAll(async () => {
    h = await createMediaHarness('local');
    const user = await createUser(h);
    avatar = (await uploadAvatar(client(h, user), await picture('jpeg', 300, 200))).json().avatar;
  });
  afterAll(() => h.close());

  it('serves files immutable, nosniff, with their type', async () => {
    const res = await client(h).get(avatar.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const thumb = await client(h).get(avatar.thumbnails.small);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await client(h).request('HEAD' as 'GET', avatar.url)).statusCode).toBe(200);
    // A signed-in client gets the same long cache: the file is the same for everyone.
    const signedIn = await client(h, await createUser(h)).get(avatar.url);
    expect(signedIn.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('lists no folder and lets no path out of MEDIA_ROOT: 404 for every attempt', async () => {
    const folder = avatar.url.slice(0, avatar.url.lastIndexOf('/') + 1);
    const attempts = [
      '/media',
      '/media/',
      '/media/avatars/',
      folder,
      folder.slice(0, -1),
      '/media/../package.json',
      '/media/avatars/../../package.json',
      `${folder}../../../package.json`,
      '/media/..%2f..%2fpackage.json',
      '/media/%2e%2e/%2e%2e/package.json',
      '/media/%2E%2E%2F%2E%2E%2Fpackage.json',
      '/media/..%5c..%5cpackage.json',
      '/media/%252e%252e%252fpackage.json',
      `${avatar.url}/..`,
      `${folder}..%2f..%2f..%2fpackage.json`,
      '/media/avatars/.secret',
      '/media//etc/passwd',
      '/media/avatars/AAAAAAAAAAAAAAAA/00000000000000000000000000000000.jpg',
    ];
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    for (const path of attempts) {
      const res = await rawGet(port, path);
      expect(res.status, path).toBe(404);
      expect(res.type, path).toContain('application/problem+json');
    }
    // A NUL character is refused before routing, as everywhere (400 naming the field).
    expect((await rawGet(port, `${avatar.url}%00.jpg`)).status).toBe(400);
    expect((await rawGet(port, avatar.url)).status).toBe(200);
  });

  it('never counts picture files against the request limits', async () => {
    // Anonymous clients get 2 requests a day; a page of thumbnails is far more than that.
    const strict = await createMediaHarness('local', { THROTTLE_ANON: '2/day' });
    try {
      const user = await createUser(strict);
      const { avatar } = (
        await uploadAvatar(client(strict, user), await picture('png', 40, 40))
      ).json();
      for (let i = 0; i < 5; i++) {
        const res = await client(strict).get(avatar.thumbnails.small);
        expect(res.statusCode).toBe(200);
        expect(res.headers['ratelimit']).toBeUndefined();
      }
    } finally {
      await strict.close();
    }
  });
});
