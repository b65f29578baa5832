import { bodyExample } from '../../platform/openapi.js';
import { z } from 'zod';
import { pictureSchema } from '../media/index.js';

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be a valid email address' }))
  .transform((e) => e.toLowerCase());

const name = z.string().trim().max(100);
const password = z.string().min(1, 'is required').max(1024);

export const userSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    company: z.string(),
    position: z.string(),
    type: z.enum(['buyer', 'shop']),
    is_active: z.boolean(),
    avatar: pictureSchema.nullable().describe('Set with PUT /user/avatar/upload/.'),
  })
  .meta({
    id: 'User',
    examples: [
      {
        id: 42,
        email: 'ivan.petrov@example.com',
        first_name: 'Иван',
        last_name: 'Петров',
        company: 'ООО «Ромашка»',
        position: 'Закупщик',
        type: 'buyer',
        is_active: true,
        avatar: null,
      },
    ],
  });

export const registerBody = z
  .strictObject({
    email,
    password,
    first_name: name.min(1, 'is required'),
    last_name: name.min(1, 'is required'),
    company: name.optional(),
    position: name.optional(),
    type: z.enum(['buyer', 'shop']).default('buyer'),
  })
  .meta(
    bodyExample({
      email: 'ivan.petrov@example.com',
      password: 'Sturdy-Lantern-42',
      first_name: 'Иван',
      last_name: 'Петров',
      company: 'ООО «Ромашка»',
      position: 'Закупщик',
      type: 'buyer',
    }),
  );

const SAMPLE_TOKEN = 'p0rT9vJ3kqX2mZ8wL5nB1cD7fG4hK6sA0eR3tY9uI2o';

export const emailTokenBody = z
  .strictObject({ email, token: z.string().trim().min(1).max(200) })
  .meta(bodyExample({ email: 'ivan.petrov@example.com', token: SAMPLE_TOKEN }));
export const emailBody = z
  .strictObject({ email })
  .meta(bodyExample({ email: 'ivan.petrov@example.com' }));
export const loginBody = z
  .strictObject({ email, password })
  .meta(bodyExample({ email: 'ivan.petrov@example.com', password: 'Sturdy-Lantern-42' }));
export const tokenSchema = z
  .object({ token: z.string() })
  .meta({ id: 'AuthToken', examples: [{ token: 'Qm8vX1nR4tZ7pL2kW9sD5fH3jB6cN0aE1gY4uI7oT2e' }] });

const CHANGEABLE = ['first_name', 'last_name', 'company', 'position', 'password'] as const;

export const updateUserBody = z
  .strictObject({
    first_name: name.min(1, 'must not be empty').optional(),
    last_name: name.min(1, 'must not be empty').optional(),
    company: name.optional(),
    position: name.optional(),
    password: password.optional(),
    current_password: password.optional(),
  })
  // A PATCH that changes nothing is a client's mistake, not a write of no columns.
  .refine((body) => CHANGEABLE.some((field) => body[field] !== undefined), {
    message: `name at least one field to change: ${CHANGEABLE.join(', ')}`,
  })
  .meta(bodyExample({ company: 'ООО «Василёк»', position: 'Руководитель отдела закупок' }));

export const resetConfirmBody = z
  .strictObject({
    email,
    token: z.string().trim().min(1).max(200),
    password,
  })
  .meta(
    bodyExample({
      email: 'ivan.petrov@example.com',
      token: SAMPLE_TOKEN,
      password: 'Quiet-Harbour-77',
    }),
  );

export const messageSchema = z
  .object({ detail: z.string() })
  .meta({ id: 'Message', examples: [{ detail: 'The account is active; log in at /login/.' }] });

export type RegisterInput = z.output<typeof registerBody>;
export type UpdateUserInput = z.output<typeof updateUserBody>;
