// Real pictures made by sharp for the media tests, and multipart bodies to send them in.
//
//   const photo = await picture('jpeg', 800, 600);          // red top-left quarter on blue
//   const body = form({ image: { data: photo, filename: 'me.jpg' }, product_info: '12' });
//   await shop.post('/product/image/upload/', undefined, body);
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';

export type Format = 'jpeg' | 'png' | 'gif' | 'webp';

const RED = { r: 255, g: 0, b: 0 };
const BLUE = { r: 0, g: 0, b: 255 };

/** A picture with its top-left quarter red on blue, so a test can tell which way is up. */
export async function picture(
  format: Format | 'tiff',
  width: number,
  height: number,
): Promise<Buffer> {
  const corner = await sharp({
    create: { width: width >> 1, height: height >> 1, channels: 3, background: RED },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: BLUE } })
    .composite([{ input: corner, left: 0, top: 0 }])
    .toFormat(format)
    .toBuffer();
}

/**
 * A 300×200 JPEG stored sideways: EXIF orientation 6 (turn 90° clockwise to show), with GPS
 * coordinates and a camera make, as phones write them. Shown upright it is 200×300 with the red
 * quarter at the top right.
 */
export async function sidewaysPhotoWithGps(): Promise<Buffer> {
  return sharp(await picture('jpeg', 300, 200))
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'PhoneCam', Model: 'X1' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '55/1 45/1 0/1', GPSLongitudeRef: 'E' },
    })
    .jpeg()
    .toBuffer();
}

/** An animation of three 120×80 frames: red, green, blue. */
export async function animation(format: 'gif' | 'webp'): Promise<Buffer> {
  const frames = await Promise.all(
    ['#ff0000', '#00ff00', '#0000ff'].map((background) =>
      sharp({ create: { width: 120, height: 80, channels: 3, background } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(frames, { join: { animated: true } })
    .toFormat(format, { delay: [100, 100, 100], loop: 0 })
    .toBuffer();
}

/** A real 1×1 PNG whose header claims 30000×30000 (900 megapixels), CRC fixed so it parses. */
export async function pngClaiming30000Square(): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: BLUE } })
      .png()
      .toBuffer(),
  );
  // IHDR: length at 8, type at 12, width at 16, height at 20, CRC of type+data at 29.
  png.writeUInt32BE(30_000, 16);
  png.writeUInt32BE(30_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** A real PNG of at least `bytes` (random pixels, stored uncompressed). */
export async function pngOfAtLeast(bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3)) + 16;
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** The colour of one pixel of a picture. */
export async function pixel(image: Buffer, left: number, top: number) {
  const [r, g, b] = await sharp(image)
    .extract({ left, top, width: 1, height: 1 })
    .removeAlpha()
    .raw()
    .toBuffer();
  return { r: r!, g: g!, b: b! };
}

/** True when the colour is near red (lossy formats shift it a little). */
export const isRed = (c: { r: number; g: number; b: number }) => c.r > 200 && c.g < 60 && c.b < 60;
export const isBlue = (c: { r: number; g: number; b: number }) => c.b > 200 && c.r < 60 && c.g < 60;

type Part = string | { data: Buffer | string; filename?: string; contentType?: string };

/** A multipart/form-data body, as `client` sends raw payloads. */
export function form(parts: Record<string, Part>) {
  const boundary = `----purchases${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, part] of Object.entries(parts)) {
    const p = typeof part === 'string' ? { data: part } : part;
    const filename = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    const type =
      p.filename === undefined
        ? ''
        : `\r\nContent-Type: ${p.contentType ?? 'application/octet-stream'}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename}${type}\r\n\r\n`,
      ),
      Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
