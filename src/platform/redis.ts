// One Redis connection per process, made on first use from REDIS_URL and closed on shutdown.
// BullMQ needs connections of its own (blocking commands), so it asks for duplicates.
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisConnections {
  /** The shared command connection (cache, limits, queue producers); connects on first call. */
  client(): Redis;
  /** A new connection with the same settings; closed with the rest. */
  duplicate(opts?: RedisOptions): Redis;
  /** Every key of this app starts with it (REDIS_PREFIX). */
  prefix: string;
  close(): Promise<void>;
}

export function createRedisConnections(url: string, prefix: string): RedisConnections {
  let shared: Redis | undefined;
  const all = new Set<Redis>();
  const open = (opts: RedisOptions = {}) => {
    // Auto-pipelining batches the commands of concurrent requests into one round trip.
    const redis = new Redis(url, { enableAutoPipelining: true, ...opts });
    // Errors are retried by ioredis; a listener keeps a Redis restart from crashing the process.
    redis.on('error', () => {});
    all.add(redis);
    return redis;
  };
  return {
    prefix,
    client: () => (shared ??= open()),
    duplicate: (opts) => open(opts),
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
