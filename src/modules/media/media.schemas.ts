import { z } from 'zod';

export const MAX_GALLERY = 10;
export const THUMBNAIL_SIZES = { small: 160, medium: 640 } as const;

const PICTURE_EXAMPLE = {
  url: '/media/offers/3f2a9c/1b7e4d0c9a.jpg',
  width: 1200,
  height: 1600,
  thumbnails: {
    small: '/media/offers/3f2a9c/1b7e4d0c9a-small.webp',
    medium: '/media/offers/3f2a9c/1b7e4d0c9a-medium.webp',
  },
};

export const pictureSchema = z
  .object({
    url: z.string().describe('The re-encoded original (upright, no metadata; animations kept).'),
    width: z.number().int(),
    height: z.number().int(),
    thumbnails: z
      .object({
        small: z.string().describe('WebP, at most 160 px on the longer side (never enlarged).'),
        medium: z.string().describe('WebP, at most 640 px on the longer side (never enlarged).'),
      })
      .describe('First frame of an animation.'),
  })
  .meta({
    id: 'Picture',
    examples: [PICTURE_EXAMPLE],
    description:
      'URLs are under MEDIA_URL (relative to the service, or absolute with object storage); a ' +
      'file name changes when its content does, so clients may cache them for good.',
  });

/** A picture of an offer's gallery. */
export const galleryPictureSchema = pictureSchema
  .extend({
    id: z.number().int(),
    position: z.number().int().describe('Place in the gallery: 0 is shown first.'),
  })
  .meta({
    id: 'GalleryPicture',
    examples: [{ id: 7, position: 0, ...PICTURE_EXAMPLE }],
  });

export type Picture = z.output<typeof pictureSchema>;
export type GalleryPicture = z.output<typeof galleryPictureSchema>;

export const avatarAnswer = z.object({ avatar: pictureSchema }).meta({
  id: 'AvatarAnswer',
  examples: [
    {
      avatar: {
        url: '/media/avatars/9c41d2/5e0f3a8b21.jpg',
        width: 800,
        height: 800,
        thumbnails: {
          small: '/media/avatars/9c41d2/5e0f3a8b21-small.webp',
          medium: '/media/avatars/9c41d2/5e0f3a8b21-medium.webp',
        },
      },
    },
  ],
});

const id = z.coerce
  .number({ message: 'must be a whole number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(2_147_483_647, 'must be at most 2147483647');

export const imageParams = z.object({ id });

/** The form field that names the offer, as multipart sends it: text. */
export const offerField = id;

export const positionBody = z
  .strictObject({
    position: z
      .number({ message: 'must be a whole number' })
      .int('must be a whole number')
      .min(0, 'must be at least 0')
      .max(MAX_GALLERY - 1, `must be at most ${MAX_GALLERY - 1}`)
      .describe('The new place in the gallery (0 first); the pictures between move up or down.'),
  })
  .meta({ examples: [{ position: 0 }] });

const file = (what: string) =>
  z
    .string()
    .meta({ format: 'binary', contentMediaType: 'application/octet-stream' })
    .describe(`${what}: JPEG, PNG, GIF or WebP, recognised by its content.`);

/** Multipart bodies, for the OpenAPI document (the upload reader checks the parts itself). */
export const avatarForm = z.object({ avatar: file('The picture') }).meta({ id: 'AvatarUpload' });
export const imageForm = z
  .object({
    image: file('The picture'),
    product_info: z.string().describe('Id of an offer of your shop.'),
  })
  .meta({ id: 'ImageUpload' });
