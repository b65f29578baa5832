// One Redis connection per process, made on first use from REDIS_URL and closed on shutdown.
// BullMQ needs connections of its own (blocking commands), so it asks for duplicates.
//
// Redis going away must not hang requests: every command on the shared connection gives up after
// COMMAND_TIMEOUT_MS, and once an outage is seen the callers (cache, limits, queue) skip Redis at
// once until it is back. An outage is logged once when it starts and once when it ends.
import { Redis, type RedisOptions } from 'ioredis';
import { AppError, problem } from './problems.js';

export interface RedisConnections {
  /** The shared command connection (cache, limits, queue producers); connects on first call. */
  client(): Redis;
  /** A new connection with the same settings; closed with the rest. */
  duplicate(opts?: RedisOptions): Redis;
  /** False from the first failure seen until a connection is ready again: callers skip Redis. */
  available(): boolean;
  /** Every key of this app starts with it (REDIS_PREFIX). */
  prefix: string;
  close(): Promise<void>;
}

interface OutageLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** A command not answered in this time fails, so a request never waits long on Redis. */
export const COMMAND_TIMEOUT_MS = 1000;

/** Reconnection delays double from 100 ms up to 5 s: a worker backs off while Redis is down. */
const retryStrategy = (times: number) => Math.min(100 * 2 ** times, 5000);

export function createRedisConnections(
  url: string,
  prefix: string,
  log?: OutageLog,
): RedisConnections {
  let shared: Redis | undefined;
  let down = false;
  const all = new Set<Redis>();

  const lost = (err: Error) => {
    if (down) return;
    down = true;
    log?.warn(
      { err: err.message },
      'Redis does not answer: the cache is skipped, limits follow THROTTLE_FAIL_OPEN, jobs cannot be queued',
    );
  };
  const back = () => {
    if (!down) return;
    down = false;
    log?.info({}, 'Redis answers again');
  };

  const open = (opts: RedisOptions = {}) => {
    const redis = new Redis(url, {
      // Auto-pipelining batches the commands of concurrent requests into one round trip.
      enableAutoPipelining: true,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Commands waiting for a reconnection fail after one failed attempt, not twenty.
      maxRetriesPerRequest: 1,
      retryStrategy,
      ...opts,
    });
    // A listener keeps an outage from crashing the process; ioredis reconnects by itself.
    redis.on('error', lost);
    redis.on('ready', back);
    all.add(redis);
    return redis;
  };
  return {
    prefix,
    client: () => (shared ??= open()),
    duplicate: (opts) => open(opts),
    available: () => !down,
    async close() {
      await Promise.all(
        [...all].map(async (r) => {
          // QUIT waits for an answer: a connection that is down would hold the shutdown forever.
          if (r.status !== 'ready') return r.disconnect();
          try {
            await r.quit();
          } catch {
            r.disconnect();
          }
        }),
      );
      all.clear();
      shared = undefined;
    },
  };
}

/** The error callers give when Redis is needed and does not answer (a 503 problem). */
export const redisUnavailable = () =>
  problem.unavailable('Redis does not answer; try again in a few seconds.', {
    headers: { 'Retry-After': '5' },
  });

/** Whether `err` is Redis not answering (the 503 `unavailable` problem of `onRedis`). */
export const isOutage = (err: unknown) => err instanceof AppError && err.code === 'unavailable';

/**
 * Runs `work` against Redis: at once refused when an outage is known, and refused after
 * `timeoutMs` when it does not answer (BullMQ, for one, waits for a connection without a limit).
 */
export async function onRedis<T>(
  redis: Pick<RedisConnections, 'available'>,
  work: () => Promise<T>,
  timeoutMs = COMMAND_TIMEOUT_MS * 2,
): Promise<T> {
  if (!redis.available()) throw redisUnavailable();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(redisUnavailable()), timeoutMs);
  });
  try {
    return await Promise.race([work(), late]);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw redisUnavailable();
  } finally {
    clearTimeout(timer);
  }
}
