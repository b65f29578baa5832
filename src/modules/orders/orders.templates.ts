// Order mails, in Russian as the service's users read them, each with a text and an HTML part.
import { escapeHtml } from '../../lib/html.js';
import { roubles } from '../../lib/money.js';
import type { MailMessage } from '../../platform/mailer.js';
import type { OrderDto } from './orders.schemas.js';
import type { Address } from '../contacts/index.js';
import type { OrderState } from './orders.tables.js';

export const STATE_WORDS: Record<OrderState, string> = {
  basket: 'Корзина',
  new: 'Новый',
  confirmed: 'Подтверждён',
  assembled: 'Собран',
  sent: 'Отправлен',
  delivered: 'Доставлен',
  canceled: 'Отменён',
};

export function addressLine(a: Address): string {
  const place = [
    a.city,
    a.street,
    a.house && `д. ${a.house}`,
    a.structure && `стр. ${a.structure}`,
    a.building && `корп. ${a.building}`,
    a.apartment && `кв. ${a.apartment}`,
  ];
  const name = [a.last_name, a.first_name, a.middle_name].filter(Boolean).join(' ');
  return [name, place.filter(Boolean).join(', '), `тел. ${a.phone}`, a.email]
    .filter(Boolean)
    .join('; ');
}

function itemsText(order: OrderDto): string {
  const lines = order.items.map(
    (i, n) =>
      `${n + 1}. ${i.product_info.product.name} (${i.product_info.shop.name}): ${roubles(i.price)} × ${i.quantity} = ${roubles(i.sum)}`,
  );
  return `${lines.join('\n')}\nИтого: ${order.total_quantity} шт. на сумму ${roubles(order.total_sum)}`;
}

function itemsHtml(order: OrderDto): string {
  const rows = order.items
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.product_info.product.name)}</td><td>${escapeHtml(i.product_info.shop.name)}</td>` +
        `<td align="right">${roubles(i.price)}</td><td align="right">${i.quantity}</td><td align="right">${roubles(i.sum)}</td></tr>`,
    )
    .join('');
  return (
    '<table border="1" cellpadding="4" cellspacing="0">' +
    '<tr><th>Товар</th><th>Магазин</th><th>Цена</th><th>Кол-во</th><th>Сумма</th></tr>' +
    rows +
    `<tr><td colspan="3"><b>Итого</b></td><td align="right"><b>${order.total_quantity}</b></td>` +
    `<td align="right"><b>${roubles(order.total_sum)}</b></td></tr></table>`
  );
}

function orderMail(
  to: string,
  subject: string,
  intro: string,
  order: OrderDto,
  outro: string,
): MailMessage {
  const address = addressLine(order.contact);
  return {
    to,
    subject,
    text: `Здравствуйте!\n\n${intro}\n\n${itemsText(order)}\n\nАдрес доставки: ${address}\n\n${outro}\n`,
    html:
      `<p>Здравствуйте!</p><p>${escapeHtml(intro)}</p>${itemsHtml(order)}` +
      `<p>Адрес доставки: ${escapeHtml(address)}</p><p>${escapeHtml(outro)}</p>`,
  };
}

export const confirmationMail = (to: string, order: OrderDto) =>
  orderMail(
    to,
    `Заказ №${order.id} оформлен`,
    `Ваш заказ №${order.id} принят и ожидает подтверждения.`,
    order,
    'Мы сообщим, когда статус заказа изменится. Спасибо за покупку!',
  );

export const invoiceMail = (to: string, order: OrderDto, buyer: string) =>
  orderMail(
    to,
    `Накладная: новый заказ №${order.id}`,
    `Покупатель ${buyer} оформил заказ №${order.id}. Накладная для исполнения:`,
    order,
    'Подтвердите заказ и передайте его в сборку.',
  );

export const statusMail = (to: string, order: OrderDto) =>
  orderMail(
    to,
    `Заказ №${order.id}: ${STATE_WORDS[order.state].toLowerCase()}`,
    `Статус вашего заказа №${order.id} изменён: ${STATE_WORDS[order.state]}.`,
    order,
    order.state === 'canceled' ? 'Заказ отменён.' : 'Спасибо, что выбираете нас!',
  );
