// A message as MIME bytes: a text and an HTML part in a multipart/alternative. nodemailer's
// composer built a tree of streaming nodes for each message, and with two messages per order that
// was a fifth of the API's CPU; this writes the same structure directly, and nodemailer only
// carries the bytes over SMTP.
import { randomBytes, randomUUID } from 'node:crypto';

export interface MimeParts {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const CRLF = '\r\n';
/** Longest line an 8bit part may have (RFC 5322: 998 octets before CRLF). */
const MAX_LINE_OCTETS = 998;
/** Base64 lines are wrapped at 76 characters (RFC 2045). */
const BASE64_LINE = 76;
/**
 * UTF-8 bytes per encoded word: 39 → 52 base64 characters, a word of 64, so a header line with its
 * name stays within 78 characters (RFC 5322; a word may have 75, RFC 2047).
 */
const WORD_OCTETS = 39;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const utf8Length = (codePoint: number) =>
  codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;

/** A header value as is when it is printable ASCII, else as RFC 2047 words; never a line break. */
export function headerText(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  if (PRINTABLE_ASCII.test(flat)) return flat;
  const words: string[] = [];
  let word = '';
  let octets = 0;
  for (const char of flat) {
    const n = utf8Length(char.codePointAt(0)!);
    if (octets + n > WORD_OCTETS) {
      words.push(word);
      word = '';
      octets = 0;
    }
    word += char;
    octets += n;
  }
  words.push(word);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join(`${CRLF} `);
}

/**
 * `Name <address>` or a bare address, split; the name may be quoted. A line break is refused: it
 * could start a header of its own, or an SMTP command (the address is also the envelope's).
 * Accounts' emails are validated, so only a misconfigured sender can meet this.
 */
export function mailbox(value: string): { name?: string; address: string } {
  if (/[\r\n]/.test(value))
    throw new Error(`refusing a mail address with a line break: ${JSON.stringify(value)}`);
  const named = /^\s*"?(.*?)"?\s*<([^<>\s]+)>\s*$/.exec(value);
  return named ? { name: named[1] || undefined, address: named[2]! } : { address: value.trim() };
}

function mailboxHeader(value: string): string {
  const { name, address } = mailbox(value);
  if (!name) return address;
  const shown = PRINTABLE_ASCII.test(name)
    ? `"${name.replace(/["\\]/g, '\\$&')}"`
    : headerText(name);
  return `${shown} <${address}>`;
}

function base64Lines(bytes: Buffer): string {
  const text = bytes.toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += BASE64_LINE)
    lines.push(text.slice(at, at + BASE64_LINE));
  return lines.join(CRLF);
}

/**
 * A text part. 8bit when asked and every line fits (an .eml file that `cat` shows as written),
 * else base64, which any SMTP server carries without the 8BITMIME extension.
 */
function part(type: string, body: string, eightBit: boolean): string {
  const lines = body.split(/\r\n?|\n/);
  const fits = eightBit && lines.every((l) => Buffer.byteLength(l) <= MAX_LINE_OCTETS);
  const encoding = fits ? '8bit' : 'base64';
  const content = fits ? lines.join(CRLF) : base64Lines(Buffer.from(body));
  return (
    `Content-Type: ${type}; charset=utf-8${CRLF}` +
    `Content-Transfer-Encoding: ${encoding}${CRLF}${CRLF}${content}${CRLF}`
  );
}

/** The whole message with its headers, CRLF line ends, ready for SMTP DATA or an .eml file. */
export function composeMime(
  message: MimeParts,
  from: string,
  { eightBit = false, date = new Date() }: { eightBit?: boolean; date?: Date } = {},
): Buffer {
  const boundary = `=_alt_${randomBytes(12).toString('hex')}`;
  const domain = mailbox(from).address.split('@')[1] ?? 'localhost';
  const headers = [
    `From: ${mailboxHeader(from)}`,
    `To: ${mailboxHeader(message.to)}`,
    `Subject: ${headerText(message.subject)}`,
    `Date: ${date.toUTCString().replace(/GMT$/, '+0000')}`,
    `Message-ID: <${randomUUID()}@${domain}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  return Buffer.from(
    headers.join(CRLF) +
      `${CRLF}${CRLF}--${boundary}${CRLF}` +
      part('text/plain', message.text, eightBit) +
      `--${boundary}${CRLF}` +
      part('text/html', message.html, eightBit) +
      `--${boundary}--${CRLF}`,
  );
}
