// Turning an uploaded file into the files we keep: its type recognised by content, decoded by one
// of four decoders within a pixel budget, re-encoded upright without metadata, plus two WebP
// thumbnails. Work runs a few pictures at a time (a 12-megapixel photo decodes to 36 MB), so a
// burst of uploads waits its turn instead of exhausting memory.
//
// sharp 0.35 and file-type 21: file-type 22 needs Node 22, and Node 20 is still served here.
import { fileTypeFromBuffer } from 'file-type';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import sharp, { type Sharp } from 'sharp';
import { createSemaphore } from '../../lib/semaphore.js';
import { problem } from '../../platform/problems.js';
import { THUMBNAIL_SIZES } from './media.schemas.js';

/** What we accept, by the type recognised from the content, and how it is stored. */
const FORMATS = {
  // No Huffman optimisation: it holds the whole image's coefficients (12 MP: about 230 MB more
  // RSS and 4 times the CPU, measured here) to save a few per cent of the file.
  'image/jpeg': {
    ext: 'jpg',
    encode: (s: Sharp) => s.jpeg({ quality: 85, optimiseCoding: false }),
  },
  'image/png': { ext: 'png', encode: (s: Sharp) => s.png() },
  'image/gif': { ext: 'gif', encode: (s: Sharp) => s.gif() },
  'image/webp': { ext: 'webp', encode: (s: Sharp) => s.webp({ quality: 85 }) },
} as const;
type Mime = keyof typeof FORMATS;

export const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
};

/**
 * libvips reads dozens of formats (SVG, PDF, TIFF, HEIF, FITS…), each a parser an attacker can
 * aim at; every loader but these four is blocked, for the whole process.
 */
const DECODERS = [
  'VipsForeignLoadJpeg',
  'VipsForeignLoadPng',
  'VipsForeignLoadNsgif',
  'VipsForeignLoadWebp',
];

export interface EncodedFile {
  data: Buffer;
  ext: string;
  /** Content hash: the file's name, so a name never shows two contents. */
  hash: string;
}

export interface Thumbnails {
  small: EncodedFile;
  medium: EncodedFile;
}

export interface ProcessedPicture extends Thumbnails {
  original: EncodedFile;
  /** One frame, upright. */
  width: number;
  height: number;
}

export interface ProcessorOptions {
  maxPixels: number;
  /** Pictures decoded at once; one per core by default (each on one libvips thread). */
  concurrency?: number;
}

const encoded = async (pipeline: Sharp, ext: string) => {
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 32);
  return { file: { data, ext, hash }, info };
};

export type PictureProcessor = ReturnType<typeof createPictureProcessor>;

export function createPictureProcessor({
  maxPixels,
  concurrency = availableParallelism(),
}: ProcessorOptions) {
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: DECODERS });
  // Every upload is a new input: libvips' operation cache would only hold memory.
  sharp.cache(false);
  // One libvips thread per picture (a setting of the whole process; only pictures use sharp): the
  // semaphore runs one picture per core already, and more threads each hold their own buffers
  // (peak RSS 387 MB with the default, over the 350 MB aim).
  sharp.concurrency(1);
  const turns = createSemaphore(concurrency);
  /** Uploads worth letting in at once: a turn each, and a few waiting with their file read. */
  const admits = concurrency * 4;

  // `failOn: 'error'` refuses truncated and corrupt files; the pixel limit counts every frame.
  const open = (input: Buffer, animated: boolean) =>
    sharp(input, { limitInputPixels: maxPixels, animated, failOn: 'error' }).rotate();

  /** First frame, upright, at most `size` px on the longer side, WebP. */
  const thumbnail = async (input: Buffer, size: number) =>
    (
      await encoded(
        open(input, false)
          .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
          .webp({ quality: 80 }),
        'webp',
      )
    ).file;

  // The small one is made from the medium one: a 640 px picture decodes in a fraction of the
  // original's time (JPEGs decode the medium at a reduced scale already).
  const thumbnailsOf = async (input: Buffer): Promise<Thumbnails> => {
    const medium = await thumbnail(input, THUMBNAIL_SIZES.medium);
    return { medium, small: await thumbnail(medium.data, THUMBNAIL_SIZES.small) };
  };

  return {
    admits,

    /** The files to keep for an upload; 415 for what is not one of our formats, 422 if it fails. */
    async process(input: Buffer): Promise<ProcessedPicture> {
      const type = await fileTypeFromBuffer(input);
      const format = type && FORMATS[type.mime as Mime];
      if (!format) {
        throw problem.unsupportedPicture(
          `Send a JPEG, PNG, GIF or WebP picture; this file is ${type ? type.mime : 'not a picture we know'}.`,
        );
      }
      return turns.run(() =>
        decoding(async () => {
          // One after the other: each decodes the whole picture, and two at once double the
          // memory while the other turn already keeps the second core busy.
          const { file: original, info } = await encoded(
            format.encode(open(input, true)),
            format.ext,
          );
          const thumbnails = await thumbnailsOf(input);
          return {
            original,
            ...thumbnails,
            width: info.width,
            height: info.pageHeight ?? info.height,
          };
        }, maxPixels),
      );
    },

    /** New thumbnails of a stored original (when sizes change). */
    thumbnails: (original: Buffer) =>
      turns.run(() => decoding(() => thumbnailsOf(original), maxPixels)),
  };
}

/** sharp's failures on a file are the file's: 422 in words a person can act on. */
async function decoding<T>(work: () => Promise<T>, maxPixels: number): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(message)) {
      throw problem.unprocessablePicture(
        `The picture has more than ${maxPixels} pixels (MEDIA_MAX_PIXELS; every frame of an animation counts).`,
      );
    }
    throw problem.unprocessablePicture(`The picture cannot be decoded: ${message}.`);
  }
}
