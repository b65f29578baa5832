// Read-through cache for public reads: Redis when configured (shared by every process), an
// in-memory LRU otherwise. While Redis does not answer, reads are misses (answered from the
// database) and fills and invalidations are skipped; entries left from before expire by their TTL. Invalidation is by version: each entry's key embeds the current version
// of the scopes it depends on (such as 'catalog'), and a write bumps those versions, so one
// INCR makes every dependent entry unreachable (old entries just expire).
//
// Callers bump AFTER their transaction commits and before they answer: a reader that sees the new
// version then also sees the new rows, and an entry filled from old rows lands under an old version
// that nobody asks for any more. So no process serves old data once a write has returned.
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from './clock.js';
import { onRedis, type RedisConnections } from './redis.js';

/** A name for a set of entries that one write makes stale (the catalog module uses 'catalog'). */
export type Scope = string;

export interface CacheStats {
  backend: 'redis' | 'memory';
  hits: number;
  misses: number;
  hit_ratio: number;
  keys: number;
}

export interface Lookup<T> {
  /** The cached value, or undefined on a miss. */
  value: T | undefined;
  /** Stores a value under the versions read by the lookup (never newer ones: see above). */
  fill(value: T, ttlMs?: number): Promise<void>;
}

export interface LookupOptions {
  /** An entry filled longer ago than this (by the clock) is a miss: it may show old data. */
  maxAgeMs?: number;
}

export interface Cache {
  backend: 'redis' | 'memory';
  /** Reads `key` under the scopes' current versions (a hit or a miss is counted). */
  lookup<T>(key: string, scopes: Scope[], opts?: LookupOptions): Promise<Lookup<T>>;
  /** The cached value for `key` under the scopes' current versions, else `load()`'s, stored. */
  wrap<T>(key: string, scopes: Scope[], load: () => Promise<T>, ttlMs?: number): Promise<T>;
  /** Drops every entry that depends on any of the scopes (O(1) per scope). */
  invalidate(scopes: Scope[]): Promise<void>;
  stats(): Promise<CacheStats>;
  /** Removes every entry; returns how many there were. */
  clear(): Promise<number>;
}

export const DEFAULT_TTL_MS = 5 * 60_000;

/** Told of every lookup (the metrics count hits and misses by scope). */
export interface CacheOptions {
  /** Told of every lookup, hit or miss, by scope (metrics). */
  onLookup?: (scope: string, hit: boolean) => void;
  /** What `maxAgeMs` is measured by. */
  clock?: Clock;
}

const scopeLabel = (scopes: Scope[]) => scopes.join('+') || 'none';

const ratio = (hits: number, misses: number) =>
  hits + misses === 0 ? 0 : Math.round((hits / (hits + misses)) * 10_000) / 10_000;

const young = (at: number, clock: Clock, opts?: LookupOptions) =>
  opts?.maxAgeMs === undefined || clock.now().getTime() - at <= opts.maxAgeMs;

/**
 * Callers get their own copy of an object, as they would from Redis. Strings (the catalog's
 * finished answers) and other primitives cannot change, so they are shared: copying a 10 KB page
 * on every hit cost more than the rest of the lookup.
 */
const ownCopy = (value: unknown) =>
  typeof value === 'object' && value !== null ? structuredClone(value) : value;

export function createMemoryCache({
  max = 10_000,
  clock = systemClock,
  onLookup = () => {},
}: CacheOptions & { max?: number } = {}): Cache {
  const entries = new LRUCache<string, { value: unknown; at: number }>({
    max,
    ttlAutopurge: false,
  });
  const versions = new Map<string, number>();
  let hits = 0;
  let misses = 0;
  const fullKey = (key: string, scopes: Scope[]) =>
    `${scopes.map((s) => versions.get(s) ?? 0).join(':')}|${scopes.join(',')}|${key}`;
  const cache: Cache = {
    backend: 'memory',
    async lookup<T>(key: string, scopes: Scope[], opts?: LookupOptions): Promise<Lookup<T>> {
      const k = fullKey(key, scopes);
      const entry = entries.get(k);
      const found = entry && young(entry.at, clock, opts) ? entry : undefined;
      if (found) hits++;
      else misses++;
      onLookup(scopeLabel(scopes), found !== undefined);
      return {
        value: found && (ownCopy(found.value) as T),
        fill: async (value, ttlMs = DEFAULT_TTL_MS) =>
          void entries.set(k, { value: ownCopy(value), at: clock.now().getTime() }, { ttl: ttlMs }),
      };
    },
    wrap: (key, scopes, load, ttlMs) => wrapWith(cache, key, scopes, load, ttlMs),
    async invalidate(scopes) {
      for (const s of scopes) versions.set(s, (versions.get(s) ?? 0) + 1);
    },
    async stats() {
      return {
        backend: 'memory',
        hits,
        misses,
        hit_ratio: ratio(hits, misses),
        keys: entries.size,
      };
    },
    async clear() {
      const n = entries.size;
      entries.clear();
      return n;
    },
  };
  return cache;
}

async function wrapWith<T>(
  cache: Cache,
  key: string,
  scopes: Scope[],
  load: () => Promise<T>,
  ttlMs?: number,
) {
  const found = await cache.lookup<T>(key, scopes);
  if (found.value !== undefined) return found.value;
  const value = await load();
  await found.fill(value, ttlMs);
  return value;
}

// One round trip per read: the scopes' versions, the entry, and the hit or miss count.
const LOOKUP_LUA = `
local n = tonumber(ARGV[1])
local parts = {}
for i = 1, n do parts[i] = redis.call('GET', KEYS[i]) or '0' end
local key = ARGV[2] .. table.concat(parts, ':') .. '|' .. ARGV[3]
local value = redis.call('GET', key)
if value then redis.call('INCR', KEYS[n + 1]) else redis.call('INCR', KEYS[n + 2]) end
return { value or false, key }
`;

// Strings (finished JSON answers) are stored as they are: re-encoding 20 KB per hit costs more
// than the Redis round trip. A one-letter tag tells the two apart; the fill time (ms) comes first.
const encode = (value: unknown, at: number) =>
  typeof value === 'string' ? `${at}s${value}` : `${at}j${JSON.stringify(value)}`;
function decode<T>(stored: string): { value: T; at: number } {
  const tag = stored.search(/[sj]/);
  const body = stored.slice(tag + 1);
  return {
    at: Number(stored.slice(0, tag)),
    value: (stored[tag] === 's' ? body : JSON.parse(body)) as T,
  };
}

type LookupCommand = (
  numKeys: number,
  ...args: (string | number)[]
) => Promise<[string | null, string]>;

export function createRedisCache(
  connections: RedisConnections,
  { clock = systemClock, onLookup = () => {} }: CacheOptions = {},
): Cache {
  const redis = connections.client();
  const prefix = connections.prefix;
  redis.defineCommand('purchasesCacheLookup', { lua: LOOKUP_LUA });
  const lookup = (
    redis as unknown as { purchasesCacheLookup: LookupCommand }
  ).purchasesCacheLookup.bind(redis);
  const p = `${prefix}cache:`;
  const versionKey = (s: Scope) => `${p}v:${s}`;
  const [hitsKey, missesKey, entryPrefix] = [`${p}hits`, `${p}misses`, `${p}e:`];

  const scanEntries = async (each: (keys: string[]) => Promise<void>) => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${entryPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await each(keys);
    } while (cursor !== '0');
  };

  const cache: Cache = {
    backend: 'redis',
    async lookup<T>(key: string, scopes: Scope[], opts?: LookupOptions): Promise<Lookup<T>> {
      const read = () =>
        lookup(
          scopes.length + 2,
          ...scopes.map(versionKey),
          hitsKey,
          missesKey,
          scopes.length,
          entryPrefix,
          `${scopes.join(',')}|${key}`,
        );
      const answer = await onRedis(connections, read).catch(() => undefined);
      onLookup(scopeLabel(scopes), answer !== undefined && answer[0] !== null);
      if (!answer) return { value: undefined, fill: async () => {} };
      const [found, fullKey] = answer;
      const entry = found === null ? undefined : decode<T>(found);
      return {
        // An entry too old for this read was counted a hit by the script; rare enough to leave.
        value: entry && young(entry.at, clock, opts) ? entry.value : undefined,
        fill: async (value, ttlMs = DEFAULT_TTL_MS) =>
          void (await onRedis(connections, () =>
            redis.set(fullKey, encode(value, clock.now().getTime()), 'PX', ttlMs),
          ).catch(() => undefined)),
      };
    },
    wrap: (key, scopes, load, ttlMs) => wrapWith(cache, key, scopes, load, ttlMs),
    async invalidate(scopes) {
      if (scopes.length === 0) return;
      const m = redis.multi();
      for (const s of scopes) m.incr(versionKey(s));
      // Unreachable, entries cannot be dropped; they expire by their TTL (DEFAULT_TTL_MS).
      await onRedis(connections, () => m.exec()).catch(() => undefined);
    },
    stats: () =>
      onRedis(
        connections,
        async () => {
          const [hits, misses] = (await redis.mget(hitsKey, missesKey)).map((v) =>
            Number(v ?? 0),
          ) as [number, number];
          let keys = 0;
          await scanEntries(async (batch) => void (keys += batch.length));
          return { backend: 'redis' as const, hits, misses, hit_ratio: ratio(hits, misses), keys };
        },
        30_000,
      ),
    clear: () =>
      onRedis(
        connections,
        async () => {
          let cleared = 0;
          await scanEntries(async (batch) => void (cleared += await redis.unlink(...batch)));
          return cleared;
        },
        30_000,
      ),
  };
  return cache;
}
