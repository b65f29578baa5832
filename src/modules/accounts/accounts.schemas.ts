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
  .meta({ id: 'User' });

export const registerBody = z.strictObject({
  email,
  password,
  first_name: name.min(1, 'is required'),
  last_name: name.min(1, 'is required'),
  company: name.optional(),
  position: name.optional(),
  type: z.enum(['buyer', 'shop']).default('buyer'),
});

export const emailTokenBody = z.strictObject({ email, token: z.string().trim().min(1).max(200) });
export const emailBody = z.strictObject({ email });
export const loginBody = z.strictObject({ email, password });
export const tokenSchema = z.object({ token: z.string() }).meta({ id: 'AuthToken' });

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
  });

export const resetConfirmBody = z.strictObject({
  email,
  token: z.string().trim().min(1).max(200),
  password,
});

export const messageSchema = z.object({ detail: z.string() }).meta({ id: 'Message' });

export type RegisterInput = z.output<typeof registerBody>;
export type UpdateUserInput = z.output<typeof updateUserBody>;
