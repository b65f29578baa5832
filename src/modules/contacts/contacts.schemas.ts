import { bodyExample } from '../../platform/openapi.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';

/** International numbers (`+7 999 123-45-67`); a national Russian form is read as +7. Kept as E.164. */
export const phone = z
  .string()
  .trim()
  .max(40)
  .transform((value, ctx) => {
    const parsed = parsePhoneNumberFromString(value, 'RU');
    if (!parsed?.isValid()) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a valid phone number, e.g. +7 999 123-45-67',
      });
      return z.NEVER;
    }
    return parsed.number;
  });

const text = (max: number) => z.string().trim().max(max);
const required = (max: number) => text(max).min(1, 'is required');

const fields = {
  first_name: text(100).optional(),
  last_name: text(100).optional(),
  middle_name: text(100).optional(),
  email: z.union([z.literal(''), z.email('must be a valid email address').max(254)]).optional(),
  phone,
  city: required(100),
  street: required(200),
  house: text(20).optional(),
  structure: text(20).optional(),
  building: text(20).optional(),
  apartment: text(20).optional(),
};

/** The one address shape: a contact without its id, and what an order keeps as its copy. */
export const addressSchema = z.object({
  first_name: z.string(),
  last_name: z.string(),
  middle_name: z.string(),
  email: z.string(),
  phone: z.string(),
  city: z.string(),
  street: z.string(),
  house: z.string(),
  structure: z.string(),
  building: z.string(),
  apartment: z.string(),
});

export type Address = z.output<typeof addressSchema>;
export const ADDRESS_FIELDS = addressSchema.keyof().options;

/** An address in the documentation's examples (orders show one too). */
export const SAMPLE_ADDRESS = {
  first_name: 'Иван',
  last_name: 'Петров',
  middle_name: 'Сергеевич',
  email: 'ivan.petrov@example.com',
  phone: '+7 916 123-45-67',
  city: 'Москва',
  street: 'Тверская',
  house: '7',
  structure: '',
  building: '2',
  apartment: '15',
};

export const contactSchema = addressSchema
  .extend({ id: z.number().int() })
  .meta({ id: 'Contact', examples: [{ id: 3, ...SAMPLE_ADDRESS }] });

const id = z.number().int().min(1).max(2_147_483_647);

export const addContactBody = z.strictObject(fields).meta(
  bodyExample({
    first_name: 'Иван',
    last_name: 'Петров',
    phone: '+7 916 123-45-67',
    city: 'Москва',
    street: 'Тверская',
    house: '7',
    apartment: '15',
  }),
);
export const updateContactBody = z
  .strictObject({
    id,
    ...fields,
    phone: phone.optional(),
    city: required(100).optional(),
    street: required(200).optional(),
  })
  .meta(bodyExample({ id: 3, apartment: '16', phone: '+7 916 765-43-21' }));
export const deleteContactsBody = z
  .strictObject({
    items: z.array(id).min(1, 'name at least one contact id').max(100),
  })
  .meta(bodyExample({ items: [3, 4] }));

export type ContactDto = z.output<typeof contactSchema>;
export type NewContact = z.output<typeof addContactBody>;
export type ContactFields = Partial<NewContact>;
