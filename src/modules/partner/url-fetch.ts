// Fetches a price list from a shop's URL without letting the server be turned against its own
// network (SSRF): every address actually connected to is checked, on every redirect.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError, problem } from '../../platform/problems.js';

export interface FetchOptions {
  maxBytes: number;
  /** IMPORT_ALLOW_PRIVATE_URLS: let URLs reach private and loopback addresses (tests, intranets). */
  allowPrivate: boolean;
  timeoutMs?: number;
  maxRedirects?: number;
  /** Overrides the address check (tests); returns true for addresses that must not be reached. */
  isBlocked?: (address: string) => boolean;
}

// Separate lists: a v4 check against a list holding ::ffff:0:0/96 would match every IPv4 address.
const blocked4 = new BlockList();
const blocked6 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked4.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked6.addSubnet(net, bits, 'ipv6');
}

/** Private, loopback, link-local, CGNAT, multicast, reserved and IPv4-mapped IPv6 addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked4.check(address, 'ipv4');
  if (family === 6) return blocked6.check(address, 'ipv6') || /^::ffff:/i.test(address);
  return true;
}

const refused = (detail: string) => problem.urlRefused(detail);

/** A DNS lookup that fails when any resolved address is refused, so the socket never connects. */
function guardedLookup(isBlocked: (a: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const bad = addresses.find((a) => isBlocked(a.address));
      if (bad || addresses.length === 0) {
        const e = Object.assign(new Error(`${hostname} resolves to a private address`), {
          code: 'EPRIVATE',
        });
        return callback(e, '', 0);
      }
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Downloads the URL's body, following at most `maxRedirects` redirects. */
export async function fetchPriceList(rawUrl: string, opts: FetchOptions): Promise<Buffer> {
  const isBlocked = opts.allowPrivate ? () => false : (opts.isBlocked ?? isPrivateAddress);
  const maxRedirects = opts.maxRedirects ?? 5;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let url = rawUrl;
  for (let hop = 0; ; hop++) {
    const res = await request(url, opts.maxBytes, isBlocked, deadline);
    if ('location' in res) {
      if (hop >= maxRedirects) throw refused(`The URL redirected more than ${maxRedirects} times.`);
      url = new URL(res.location, url).toString();
      continue;
    }
    return res.body;
  }
}

function request(
  rawUrl: string,
  maxBytes: number,
  isBlocked: (a: string) => boolean,
  deadline: number,
): Promise<{ body: Buffer } | { location: string }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw refused(`"${rawUrl}" is not a valid URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refused('Only http and https URLs can be fetched.');
  if (url.username || url.password)
    throw refused('URLs with user names or passwords are not fetched.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal address never reaches `lookup`, so it is checked here.
  if (isIP(host) && isBlocked(host))
    throw refused(`${url.host} is a private address; it cannot be fetched.`);

  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const timeout = Math.max(1, deadline - Date.now());
    const req = client.get(
      url,
      {
        lookup: guardedLookup(isBlocked),
        timeout,
        headers: { accept: 'application/yaml, text/yaml, */*' },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          return resolve({ location: res.headers.location });
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return reject(
            problem.urlFetchFailed(
              `The URL answered ${status} ${res.statusMessage ?? ''}`.trim() + '.',
            ),
          );
        }
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > maxBytes) {
          req.destroy();
          return reject(tooLarge(maxBytes));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            return reject(tooLarge(maxBytes));
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ body: Buffer.concat(chunks) }));
        res.on('error', (err) => reject(fetchFailed(err)));
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      timeout,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (err) => reject(fetchFailed(err)));
  });
}

export const tooLarge = (maxBytes: number) =>
  problem.priceListTooLarge(
    `The price list is larger than ${+(maxBytes / 1048576).toFixed(3)} MB (PRICE_LIST_MAX_MB).`,
  );

function fetchFailed(err: Error & { code?: string }): AppError {
  if (err instanceof AppError) return err;
  if (err.code === 'EPRIVATE') return refused(`${err.message}; it cannot be fetched.`);
  if (err.code === 'ETIMEDOUT') return problem.urlFetchFailed('The URL did not answer in time.');
  return problem.urlFetchFailed(`The URL could not be fetched: ${err.code ?? err.message}.`);
}
