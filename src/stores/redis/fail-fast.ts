// Redis connections that fail fast: a command while Redis is away rejects at once (no offline queue, no retry)
// or after `commandTimeoutMs`, while the connection keeps trying to come back; callers decide what then (serve
// locally, log that something was not kept). And waiting for one to be up.
import type { Redis, RedisOptions } from 'ioredis';
import { optionalModule } from '../optional-module.js';

const ioredis = optionalModule<typeof import('ioredis')>('ioredis');

export function failFastOptions(commandTimeoutMs = 1000): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (times) => Math.min(100 * times, 2000),
  };
}

/** A fail-fast connection to `url` (errors are the commands' to report: the connection's own are dropped). */
export function failFastRedis(url: string, commandTimeoutMs?: number, more: RedisOptions = {}): Redis {
  const redis = new (ioredis().Redis)(url, { ...failFastOptions(commandTimeoutMs), ...more });
  redis.on('error', () => {});
  return redis;
}

/** Closes `redis`: politely when it is up, at once when it is away (quit() would wait for it). */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}

/** Resolves true once `redis` is ready, false after `timeoutMs` (commands meanwhile fail fast rather than queue). */
export function whenReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}

/** A store's Redis: its URL, the prefix before each of its keys, and how long a command may take. */
export interface KeyedRedisOptions {
  url: string;
  /** Default: the store's own (e.g. `mcplex:session:`). */
  keyPrefix?: string;
  /** Default 1000 ms. */
  commandTimeoutMs?: number;
}

/** A store on one fail-fast connection whose keys all start with its prefix. */
export abstract class FailFastRedisStore {
  readonly redis: Redis;
  protected readonly prefix: string;

  constructor(opts: KeyedRedisOptions, defaultPrefix: string) {
    this.prefix = opts.keyPrefix ?? defaultPrefix;
    this.redis = failFastRedis(opts.url, opts.commandTimeoutMs);
  }

  /** Resolves once connected, or after `timeoutMs` (false): commands meanwhile fail fast rather than queue. */
  ready(timeoutMs = 5000): Promise<boolean> {
    return whenReady(this.redis, timeoutMs);
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
