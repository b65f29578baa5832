// What the console's forms and links send, checked with zod like every route. An HTML form sends
// an empty field for "any", so empty strings count as absent; unchecked boxes are not sent at all.
import { z } from 'zod';
import { pageQuery } from '../../lib/pagination.js';
import { placedState, staffOrderQuery } from '../orders/index.js';

const dropEmpty = (v: unknown) =>
  v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== ''))
    : v;

/**
 * A posted form: its fields and the CSRF token, kept through validation because the token is
 * checked after it (preHandler), where validation would otherwise have stripped it.
 */
const postedForm = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ _csrf: z.string().max(500).optional(), ...shape });

/** A query schema that treats empty fields as not given. */
const form = <T extends z.ZodType>(schema: T) => z.preprocess(dropEmpty, schema);

const id = z.coerce.number().int().min(1).max(2_147_483_647);
const checkbox = z.literal('on').optional();
const next = z.string().max(2000).optional();

export const idParams = z.object({ id });
export const jobParams = z.object({ id: z.string().min(1).max(200) });
export const importParams = z.object({ id, job: z.string().min(1).max(200) });
export const outboxParams = z.object({ name: z.string().min(1).max(300) });

export const pageOnly = form(pageQuery);
export const ordersQuery = form(staffOrderQuery);
export const usersQuery = form(pageQuery.extend({ q: z.string().trim().max(254).optional() }));
export const loginQuery = z.object({ next });

export const loginBody = postedForm({
  email: z.string().trim().toLowerCase().max(254).default(''),
  password: z.string().max(1000).default(''),
  next,
});
export const stateBody = postedForm({ state: placedState });
export const shopStateBody = postedForm({ state: z.enum(['on', 'off']), next });
export const userFlagsBody = postedForm({
  type: z.enum(['buyer', 'shop']),
  is_active: checkbox,
  is_staff: checkbox,
  next,
});
export const priceListBody = postedForm({
  file: z.string({ message: 'choose a price-list file' }).min(1, 'the file is empty'),
});
