// The development mailbox (DEBUG only): the .eml files the mailer writes to DATA_DIR/outbox when no
// SMTP server is configured, listed and decoded enough to read them (headers with RFC 2047 words,
// the text part in base64 or quoted-printable), tokens included, for local testing.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface OutboxMail {
  name: string;
  to: string;
  subject: string;
  date: string;
  text: string;
}

const LISTED = 200;

const bytes = (latin1: string) => Buffer.from(latin1, 'latin1');
const fromQuotedPrintable = (s: string) =>
  bytes(
    s
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  );

/** `=?UTF-8?B?...?=` and `=?UTF-8?Q?...?=` words, as nodemailer writes non-ASCII headers. */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g, (_, kind: string, text: string) =>
      (kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : fromQuotedPrintable(text.replace(/_/g, ' '))
      ).toString('utf8'),
    );
}

function split(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** The text/plain part of a message or multipart body (the first one found), decoded. */
function textOf(part: { headers: Map<string, string>; body: string }): string | undefined {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const chunk of part.body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const text = textOf(split(chunk.replace(/^\r?\n/, '')));
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (!/^text\/plain/i.test(type)) return undefined;
  const encoding = (part.headers.get('content-transfer-encoding') ?? '').toLowerCase();
  if (encoding === 'base64')
    return Buffer.from(part.body.replace(/\s/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return fromQuotedPrintable(part.body).toString('utf8');
  return bytes(part.body).toString('utf8');
}

export function parseMail(name: string, raw: string): OutboxMail {
  const message = split(raw);
  const header = (n: string) => decodeWords(message.headers.get(n) ?? '');
  return {
    name,
    to: header('to'),
    subject: header('subject'),
    date: header('date'),
    text: textOf(message) ?? '',
  };
}

export function createOutbox(dataDir: string) {
  const dir = join(dataDir, 'outbox');
  /** Newest first: the file names start with the time they were written. */
  const names = async () =>
    (await readdir(dir).catch(() => [] as string[]))
      .filter((n) => n.endsWith('.eml'))
      .sort()
      .reverse();
  const read = async (name: string) => parseMail(name, await readFile(join(dir, name), 'latin1'));

  return {
    list: async () => Promise.all((await names()).slice(0, LISTED).map(read)),
    /** One mail by file name; only names in the outbox are read (no path from the request). */
    async get(name: string) {
      return (await names()).includes(name) ? read(name) : undefined;
    },
  };
}
