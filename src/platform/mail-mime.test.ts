import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMime, headerText } from './mail-mime.js';

const message = {
  to: 'buyer@example.com',
  subject: 'Заказ №42 подтверждён: «Смартфон Apple iPhone XS Max 512GB (золотистый)» 😀',
  text: 'Здравствуйте!\nВаш заказ принят.\r\n.точка в начале строки\n',
  html: `<p>Заказ</p>\n<table>${'<td>ячейка</td>'.repeat(100)}</table>`,
};

describe('composeMime', () => {
  it('reads back as written: subject, sender name, both parts', async () => {
    const raw = composeMime(message, 'Сервис закупок <noreply@shop.example>');
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(message.subject);
    expect(mail.from?.value).toEqual([{ name: 'Сервис закупок', address: 'noreply@shop.example' }]);
    expect(mail.text).toBe(message.text.replace(/\r\n/g, '\n'));
    expect(mail.html).toBe(message.html);
    expect(mail.messageId).toMatch(/@shop\.example>$/);
    // Over SMTP every part is base64: no 8BITMIME needed, and no line over 76 characters.
    const lines = raw.toString().split('\r\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(78);
    expect(raw.toString()).not.toContain('8bit');
  });

  it('writes 8bit parts for a file where every line fits, base64 for the one that does not', async () => {
    const raw = composeMime(message, 'noreply@shop.example', { eightBit: true }).toString();
    expect(raw).toContain('Content-Transfer-Encoding: 8bit\r\n\r\nЗдравствуйте!\r\n');
    expect(raw).toContain('Content-Transfer-Encoding: base64');
    const mail = await simpleParser(raw);
    expect(mail.text).toBe(message.text.replace(/\r\n/g, '\n'));
    expect(mail.html).toBe(message.html);
  });

  it('never lets a header value break its line', () => {
    expect(headerText('Hello\r\nBcc: evil@example.com')).toBe('Hello Bcc: evil@example.com');
    expect(headerText('Привет\nBcc: x')).not.toMatch(/\r?\n(?! )/);
  });
});

describe('composeMime with line breaks in addresses', () => {
  it('refuses them: they could start a header or an SMTP command of their own', () => {
    const to = 'buyer@example.com\r\nBcc: spy@example.com';
    expect(() => composeMime({ ...message, to }, 'noreply@shop.example')).toThrow(/line break/);
    const from = 'Shop <noreply@shop.example>\nX-Injected: yes';
    expect(() => composeMime(message, from)).toThrow(/line break/);
  });
});
