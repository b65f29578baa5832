// The processor's own guards, below what HTTP can reach: even a file that got past the content
// check (or an original in storage) is decoded only by the four allowed loaders.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { picture } from '../../../test/images.js';
import { AppError } from '../../platform/problems.js';
import { createPictureProcessor } from './media.process.js';

describe('the picture processor', () => {
  const processor = createPictureProcessor({ maxPixels: 1_000_000, concurrency: 1 });

  it.each(['tiff', 'heif'] as const)(
    'refuses to decode %s: its loader is blocked',
    async (format) => {
      const data =
        format === 'tiff'
          ? await picture('tiff', 32, 32)
          : await sharp({ create: { width: 32, height: 32, channels: 3, background: '#fff' } })
              .heif({ compression: 'av1' })
              .toBuffer();
      const refused = await processor.thumbnails(data).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).status).toBe(422);
      expect((refused as AppError).detail).toMatch(/unsupported image format/);
    },
  );

  it('still decodes the four it takes', async () => {
    for (const format of ['jpeg', 'png', 'gif', 'webp'] as const) {
      const { small } = await processor.thumbnails(await picture(format, 32, 32));
      expect((await sharp(small.data).metadata()).format).toBe('webp');
    }
  });
});
