// RateLimitStore on Redis: one atomic Lua script per hit (GCRA, Redis's own clock), so every gateway replica
// pointed at the same Redis shares one limit per key. Keys expire when their limit is full again.
import type { Redis } from 'ioredis';
import { optionalModule } from '../optional-module.js';

const ioredis = optionalModule<typeof import('ioredis')>('ioredis');
import { randomUUID } from 'node:crypto';
import { type ConcurrencySlot, concurrencySlot, gcraParams, type RateDecision, type RateLimitStore, type RateRule } from '../../core/rate-limit-store.js';

// The same arithmetic as gcraStep (core/rate-limit-store.ts). The clock is Redis's, so replicas need not agree on
// time; the tat is stored with 3 decimals because Lua's tostring would round a ms timestamp with a fraction.
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local base = now
if stored then base = math.max(tonumber(stored), now) end
local allowAt = base - tolerance
if now < allowAt then return {0, 0, math.ceil(allowAt - now)} end
local nextTat = base + interval
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return {1, math.max(0, math.floor((tolerance + interval - (nextTat - now)) / interval)), 0}
`;

// A concurrency limit: a sorted set of slot ids scored by when their lease runs out (Redis's clock; the holder renews
// it every third of the lease while its call runs). Expired slots (a holder that crashed) are dropped before
// counting; a slot is taken only while fewer than ARGV[1] are held.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return 1
`;

// A held slot's lease renewed (its holder is alive and its call still running): 0 when the slot is gone (its lease
// ran out while the holder could not reach Redis).
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[2])
if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
return 1
`;

export interface RedisRateLimitOptions {
  /** redis://host:port/db; or pass `client` to share a connection. */
  url?: string;
  client?: Redis;
  /** Prepended to every key; default `mcplex:rl:`. */
  prefix?: string;
}

type WithGcra = Redis & {
  mcplexGcra(key: string, interval: number, tolerance: number): Promise<[number, number, number]>;
  mcplexAcquire(key: string, limit: number, leaseMs: number, id: string): Promise<number>;
  mcplexRenew(key: string, leaseMs: number, id: string): Promise<number>;
};

export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: WithGcra;
  readonly #owned: boolean;
  readonly #prefix: string;
  /** The renewal timers of the slots held now (stopped on release, and all on close). */
  readonly #renewals = new Set<NodeJS.Timeout>();
  #everReady = false;

  constructor(opts: RedisRateLimitOptions) {
    if (!opts.client && !opts.url) throw new Error('RedisRateLimitStore needs url or client');
    const redis = opts.client ?? new (ioredis().Redis)(opts.url!, { maxRetriesPerRequest: 2, enableOfflineQueue: true, retryStrategy: (times) => Math.min(100 * times, 2000) });
    redis.defineCommand('mcplexGcra', { numberOfKeys: 1, lua: GCRA });
    redis.defineCommand('mcplexAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('mcplexRenew', { numberOfKeys: 1, lua: RENEW });
    this.#redis = redis as WithGcra;
    this.#owned = !opts.client;
    this.#prefix = opts.prefix ?? 'mcplex:rl:';
    // Availability is reported through state() (DegradingRateLimitStore reads it); without a listener ioredis
    // prints every connection error.
    if (this.#owned) redis.on('error', () => {});
    if (redis.status === 'ready') this.#everReady = true;
    else redis.once('ready', () => (this.#everReady = true));
  }

  /** 'up' when connected; 'starting' before the first connection; 'down' while it is lost. */
  state(): 'starting' | 'up' | 'down' {
    const status = this.#redis.status;
    if (status === 'ready') return 'up';
    if (!this.#everReady && (status === 'wait' || status === 'connecting' || status === 'connect')) return 'starting';
    return 'down';
  }

  async hit(key: string, rule: RateRule): Promise<RateDecision> {
    const { interval, tolerance } = gcraParams(rule);
    const [allowed, remaining, retryAfterMs] = await this.#redis.mcplexGcra(this.#prefix + key, interval, tolerance);
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async acquire(key: string, limit: number, leaseMs: number): Promise<ConcurrencySlot | undefined> {
    const slotKey = `${this.#prefix}slots:${key}`;
    const id = randomUUID();
    const lease = Math.max(1, Math.ceil(leaseMs));
    if ((await this.#redis.mcplexAcquire(slotKey, limit, lease, id)) !== 1) return undefined;
    // A call may outlast its lease: the slot is renewed while it runs (a renewal Redis misses is tried again a third
    // of a lease later; the lease lapses only if all of them fail).
    const renewal = setInterval(() => void this.#redis.mcplexRenew(slotKey, lease, id).catch(() => {}), Math.max(10, Math.floor(lease / 3)));
    renewal.unref();
    this.#renewals.add(renewal);
    return concurrencySlot(() => {
      clearInterval(renewal);
      this.#renewals.delete(renewal);
      // Not awaited: a release Redis does not get is made good by the lease.
      this.#redis.zrem(slotKey, id).catch(() => {});
    });
  }

  async close(): Promise<void> {
    for (const renewal of this.#renewals) clearInterval(renewal);
    this.#renewals.clear();
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

export const redisRateLimitStore = (opts: RedisRateLimitOptions): RateLimitStore => new RedisRateLimitStore(opts);
