// A local Sentry: an HTTP server that takes envelopes as the SDK sends them (plain, or gzip past
// 32 KB), and keeps each one's items (error events, transactions, span batches) and its raw
// text, so tests can look at exactly what would have reached Sentry.
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface EnvelopeItem {
  type: string;
  payload: unknown;
}

/** An error event as the SDK sends it (what the tests read of it). */
export interface IngestedEvent {
  event_id: string;
  release?: string;
  environment?: string;
  user?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  exception?: { values: { type: string; value: string }[] };
  request?: Record<string, unknown>;
}

/** A span as the SDK streams it: attributes as `{value, type}`. */
export interface IngestedSpan {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  is_segment: boolean;
  attributes: Record<string, { value: unknown; type: string }>;
}

export interface Envelope {
  /** How it came: `gzip` (the SDK compresses envelopes past 32 KB) or `identity`. */
  encoding: string;
  /** Its text, decompressed. */
  text: string;
  items: EnvelopeItem[];
}

export interface SentryIngest {
  dsn: string;
  envelopes: Envelope[];
  /** Every envelope's text. */
  raw(): string[];
  items(): EnvelopeItem[];
  events(): IngestedEvent[];
  spans(): IngestedSpan[];
  /** Resolves with `find()`'s answer once it has one; fails after `ms` naming `what`. */
  waitFor<T>(what: string, find: () => T | undefined, ms?: number): Promise<T>;
  close(): Promise<void>;
}

/** Splits an envelope: a header line, then items of a header line and a payload each. */
function parseEnvelope(body: Buffer): EnvelopeItem[] {
  const items: EnvelopeItem[] = [];
  let at = body.indexOf(10) + 1; // past the envelope header
  while (at > 0 && at < body.length) {
    const headerEnd = body.indexOf(10, at);
    if (headerEnd < 0) break;
    const header = JSON.parse(body.subarray(at, headerEnd).toString()) as {
      type: string;
      length?: number;
    };
    const start = headerEnd + 1;
    let end = header.length !== undefined ? start + header.length : body.indexOf(10, start);
    if (end < 0) end = body.length;
    const text = body.subarray(start, end).toString();
    items.push({ type: header.type, payload: text.startsWith('{') ? JSON.parse(text) : text });
    at = end + 1;
  }
  return items;
}

export async function startSentryIngest(): Promise<SentryIngest> {
  const envelopes: Envelope[] = [];
  const items = () => envelopes.flatMap((e) => e.items);
  const arrivals = new EventEmitter();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const encoding = req.headers['content-encoding'] ?? 'identity';
      const body = encoding === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
      envelopes.push({ encoding, text: body.toString(), items: parseEnvelope(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      arrivals.emit('envelope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const ingest: SentryIngest = {
    dsn: `http://publickey@127.0.0.1:${port}/4242`,
    envelopes,
    raw: () => envelopes.map((e) => e.text),
    items,
    events: () =>
      items()
        .filter((i) => i.type === 'event')
        .map((i) => i.payload as IngestedEvent),
    spans: () =>
      items()
        .filter((i) => i.type === 'span')
        .flatMap((i) => (i.payload as { items: IngestedSpan[] }).items),
    waitFor(what, find, ms = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find();
          if (found === undefined) return;
          clearTimeout(timer);
          arrivals.off('envelope', check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          arrivals.off('envelope', check);
          reject(new Error(`Sentry did not receive ${what} within ${ms} ms`));
        }, ms);
        arrivals.on('envelope', check);
        check();
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return ingest;
}
