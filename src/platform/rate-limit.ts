// Counting requests and events per subject: in memory for a single process, in Redis when the
// service runs as several processes (every process then shares the same counters).
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { isOutage, onRedis, type RedisConnections } from './redis.js';

export interface WindowCounter {
  /** Records one event for the key. */
  hit(key: string): Promise<void>;
  /** Events for the key within the window, and when the oldest of them leaves it. */
  count(key: string): Promise<{ count: number; resetAt: Date | null }>;
  reset(key: string): Promise<void>;
}

export function createMemoryWindowCounter(clock: Clock, windowMs: number): WindowCounter {
  const events = new Map<string, number[]>();

  const live = (key: string) => {
    const since = clock.now().getTime() - windowMs;
    const kept = (events.get(key) ?? []).filter((t) => t > since);
    if (kept.length === 0) events.delete(key);
    else events.set(key, kept);
    return kept;
  };

  return {
    async hit(key) {
      events.set(key, [...live(key), clock.now().getTime()]);
    },
    async count(key) {
      const kept = live(key);
      return { count: kept.length, resetAt: kept.length ? new Date(kept[0]! + windowMs) : null };
    },
    async reset(key) {
      events.delete(key);
    },
  };
}

// ---- Request limits: fixed windows aligned to the epoch (a day limit resets at 00:00 UTC, a
// minute limit at each whole minute). Fixed windows cost one counter per limit and subject and are
// exact across processes; their known edge (up to twice the limit around a boundary) is accepted,
// as burst and sustained limits together bound it.

export interface Limit {
  /** Policy name as shown in the RateLimit headers (anon, user, burst, sustained). */
  name: string;
  limit: number;
  periodMs: number;
}

export interface LimitState extends Limit {
  /** Requests left in the current window after this one. */
  remaining: number;
  /** Time until the current window ends. */
  resetMs: number;
}

export interface RateLimitStore {
  backend: 'redis' | 'memory';
  /**
   * Counts one request of `subject` against every limit, atomically and only if all of them
   * still allow it (a refused request uses up nothing).
   */
  consume(
    subject: string,
    limits: Limit[],
    nowMs: number,
  ): Promise<{ allowed: boolean; states: LimitState[] }>;
  /** A sliding-window event counter kept in the same store (failed logins). */
  windowCounter(name: string, windowMs: number): WindowCounter;
}

const windowOf = (l: Limit, nowMs: number) => {
  const index = Math.floor(nowMs / l.periodMs);
  return { index, resetMs: (index + 1) * l.periodMs - nowMs };
};

const statesOf = (limits: Limit[], counts: number[], nowMs: number): LimitState[] => {
  const states: LimitState[] = [];
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!;
    const remaining = l.limit - counts[i]!;
    states.push({
      name: l.name,
      limit: l.limit,
      periodMs: l.periodMs,
      remaining: remaining > 0 ? remaining : 0,
      resetMs: windowOf(l, nowMs).resetMs,
    });
  }
  return states;
};

export function createMemoryRateLimitStore(clock: Clock): RateLimitStore {
  const counters = new Map<string, { count: number; expiresAt: number }>();
  let calls = 0;
  const sweep = (nowMs: number) => {
    for (const [k, c] of counters) if (c.expiresAt <= nowMs) counters.delete(k);
  };
  return {
    backend: 'memory',
    // Plain loops: this runs on every request, so it allocates as little as it can.
    async consume(subject, limits, nowMs) {
      if (++calls % 10_000 === 0) sweep(nowMs);
      const n = limits.length;
      const keys: string[] = new Array(n);
      const counts: number[] = new Array(n);
      let allowed = true;
      for (let i = 0; i < n; i++) {
        const l = limits[i]!;
        keys[i] = `${l.name}:${subject}:${Math.floor(nowMs / l.periodMs)}`;
        const c = counters.get(keys[i]!);
        counts[i] = c && c.expiresAt > nowMs ? c.count : 0;
        if (counts[i]! >= l.limit) allowed = false;
      }
      if (allowed) {
        for (let i = 0; i < n; i++) {
          const c = counters.get(keys[i]!);
          counts[i]! += 1;
          if (c && c.expiresAt > nowMs) c.count = counts[i]!;
          else
            counters.set(keys[i]!, {
              count: counts[i]!,
              expiresAt: nowMs + windowOf(limits[i]!, nowMs).resetMs,
            });
        }
      }
      return { allowed, states: statesOf(limits, counts, nowMs) };
    },
    windowCounter: (_name, windowMs) => createMemoryWindowCounter(clock, windowMs),
  };
}

// Reads every counter, then increments all of them only if none is exhausted: one atomic step.
const CONSUME_LUA = `
local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if counts[i] >= tonumber(ARGV[i]) then allowed = 0 end
end
if allowed == 1 then
  for i = 1, n do
    counts[i] = redis.call('INCR', KEYS[i])
    if counts[i] == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[n + i]) end
  end
end
table.insert(counts, 1, allowed)
return counts
`;

type ConsumeCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number[]>;

/** Every call fails with a 503 problem at once when Redis is known to be down (see redis.ts). */
export function createRedisRateLimitStore(
  connections: RedisConnections,
  clock: Clock,
): RateLimitStore {
  const redis = connections.client();
  const prefix = connections.prefix;
  redis.defineCommand('purchasesConsume', { lua: CONSUME_LUA });
  const consume = (redis as unknown as { purchasesConsume: ConsumeCommand }).purchasesConsume.bind(
    redis,
  );
  return {
    backend: 'redis',
    async consume(subject, limits, nowMs) {
      const windows = limits.map((l) => windowOf(l, nowMs));
      const keys = limits.map((l, i) => `${prefix}rl:${l.name}:${subject}:${windows[i]!.index}`);
      // Keys are named by window, so expiry only collects garbage; a second of slack covers skew.
      const ttls = windows.map((w) => w.resetMs + 1000);
      const [allowed, ...counts] = await onRedis(connections, () =>
        consume(keys.length, ...keys, ...limits.map((l) => l.limit), ...ttls),
      );
      return { allowed: allowed === 1, states: statesOf(limits, counts, nowMs) };
    },
    windowCounter: (name, windowMs) => {
      const counter = createRedisWindowCounter(redis, `${prefix}wc:${name}:`, clock, windowMs);
      return {
        hit: (key) => onRedis(connections, () => counter.hit(key)),
        count: (key) => onRedis(connections, () => counter.count(key)),
        reset: (key) => onRedis(connections, () => counter.reset(key)),
      };
    },
  };
}

/** Sliding window in a sorted set per key: members are events, scores their times. */
function createRedisWindowCounter(
  redis: Redis,
  prefix: string,
  clock: Clock,
  windowMs: number,
): WindowCounter {
  return {
    async hit(key) {
      const now = clock.now().getTime();
      await redis
        .multi()
        .zremrangebyscore(prefix + key, '-inf', now - windowMs)
        .zadd(prefix + key, String(now), `${now}-${randomUUID()}`)
        .pexpire(prefix + key, windowMs)
        .exec();
    },
    async count(key) {
      const now = clock.now().getTime();
      const res = await redis
        .multi()
        .zremrangebyscore(prefix + key, '-inf', now - windowMs)
        .zcard(prefix + key)
        .zrange(prefix + key, '0', '0', 'WITHSCORES')
        .exec();
      const count = Number(res?.[1]?.[1] ?? 0);
      const oldest = (res?.[2]?.[1] as string[] | undefined)?.[1];
      return { count, resetAt: count && oldest ? new Date(Number(oldest) + windowMs) : null };
    },
    async reset(key) {
      await redis.del(prefix + key);
    },
  };
}

/**
 * The store with Redis outages let through (THROTTLE_FAIL_OPEN=true): nothing is counted and
 * everything is allowed until Redis answers again; redis.ts logs the outage once.
 */
export function failingOpen(store: RateLimitStore): RateLimitStore {
  const or =
    <T>(fallback: T) =>
    (err: unknown): T => {
      if (isOutage(err)) return fallback;
      throw err;
    };
  return {
    backend: store.backend,
    consume: (subject, limits, nowMs) =>
      store.consume(subject, limits, nowMs).catch(or({ allowed: true, states: [] })),
    windowCounter(name, windowMs) {
      const counter = store.windowCounter(name, windowMs);
      return {
        hit: (key) => counter.hit(key).catch(or(undefined)),
        count: (key) => counter.count(key).catch(or({ count: 0, resetAt: null })),
        reset: (key) => counter.reset(key).catch(or(undefined)),
      };
    },
  };
}
