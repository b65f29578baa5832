// Rendering a console page: the template with what every page shows (the staff user, the CSRF
// token of its forms, the asset URLs, the navigation) and the helpers templates format with.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { groupedNumber, roubles } from '../../lib/money.js';
import { addressLine, STATE_WORDS } from '../orders/index.js';
import { assetUrls } from './console.assets.js';

/** Times are shown in UTC, as stored, so two staff members never read different days. */
const time = (t: string | Date) =>
  `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const fmt = {
  rub: roubles,
  num: groupedNumber,
  time,
  state: (s: keyof typeof STATE_WORDS) => STATE_WORDS[s],
  address: addressLine,
  type: (t: 'buyer' | 'shop') => (t === 'buyer' ? 'покупатель' : 'магазин'),
};

export const NAV = [
  ['/admin/', 'Сводка'],
  ['/admin/orders/', 'Заказы'],
  ['/admin/shops/', 'Магазины'],
  ['/admin/users/', 'Пользователи'],
  ['/admin/jobs/', 'Сбои задач'],
] as const;

export async function render(
  req: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: { title: string; debug: boolean } & Record<string, unknown>,
  status = 200,
) {
  const html = await reply.viewAsync(template, {
    ...data,
    csrf: reply.generateCsrf(),
    staff: req.staff,
    assets: assetUrls,
    nav: data.debug ? [...NAV, ['/admin/outbox/', 'Исходящие письма']] : NAV,
    here: req.url,
    fmt,
  });
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}
