// The media suite on S3-compatible storage: the app talks to a real S3 server (s3rver) over HTTP,
// and clients fetch the pictures from the bucket at MEDIA_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../../../test/client.js';
import { createUser } from '../../../test/harness.js';
import { picture } from '../../../test/images.js';
import { gallerySuite } from './media.gallery.test-helpers.js';
import { pictureSuite } from './media.pictures.test-helpers.js';
import {
  createMediaHarness,
  fetchUrl,
  uploadAvatar,
  type MediaHarness,
} from './media.test-helpers.js';

pictureSuite('s3');
gallerySuite('s3');

describe('pictures in the bucket', () => {
  let h: MediaHarness;
  beforeAll(async () => void (h = await createMediaHarness('s3')));
  afterAll(() => h.close());

  it('are stored with their type and the immutable cache header; the app serves no /media/', async () => {
    const res = await uploadAvatar(client(h, await createUser(h)), await picture('png', 90, 60));
    const { avatar } = res.json();
    expect(avatar.url.startsWith(h.files.baseUrl)).toBe(true);
    const file = await fetchUrl(h, avatar.url);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const path = new URL(avatar.url).pathname;
    expect((await client(h).get(path)).statusCode).toBe(404);
  });
});
