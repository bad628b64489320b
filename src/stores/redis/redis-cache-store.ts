// CacheStore on Redis (ioredis), shared by gateway replicas: values under `<prefix>k:<key>` with PX expiry, tags
// as sets `<prefix>t:<tag>` that outlive their longest member. Commands fail fast while Redis is away (no queue).
import type { Redis } from 'ioredis';
import { optionalModule } from '../optional-module.js';
import { closeRedis, failFastOptions } from './fail-fast.js';

const ioredis = optionalModule<typeof import('ioredis')>('ioredis');
import type { CacheSetOptions, CacheStore } from '../../core/cache-store.js';

export interface RedisCacheStoreOptions {
  /** `redis://host:port/db`; ignored when `client` is given. */
  url?: string;
  /** An existing client (its owner closes it). */
  client?: Redis;
  /** Prepended to every key, so several gateways (or tests) can share one Redis; default `mcplex:cache:`. */
  keyPrefix?: string;
  /** A command not answered within this fails (and the caller falls back); default 1000 ms. */
  commandTimeoutMs?: number;
}

/** Adds a key to a tag set and stretches the set's life to cover it (PEXPIRE GT would not set a first expiry). */
const TAG_SCRIPT = `
for i = 1, #KEYS do
  redis.call('SADD', KEYS[i], ARGV[1])
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 0`;

/** Deletes a tag's members (stored as full Redis keys) and the tag set; returns how many values existed. */
const DELETE_TAG_SCRIPT = `
local members = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, k in ipairs(members) do n = n + redis.call('DEL', k) end
redis.call('DEL', KEYS[1])
return n`;

/** Redis glob metacharacters in a literal prefix. */
const escapeGlob = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

export class RedisCacheStore implements CacheStore {
  readonly redis: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  #everReady = false;

  constructor(opts: RedisCacheStoreOptions) {
    this.#prefix = opts.keyPrefix ?? 'mcplex:cache:';
    this.#owned = !opts.client;
    // Keep trying to come back; the fallback serves locally meanwhile.
    const options = failFastOptions(opts.commandTimeoutMs);
    this.redis = opts.client ?? (opts.url ? new (ioredis().Redis)(opts.url, options) : new (ioredis().Redis)(options));
    // Without a listener ioredis prints every connection error; availability is reported through state().
    this.redis.on('error', () => {});
    this.redis.on('ready', () => {
      this.#everReady = true;
    });
  }

  /** 'starting' until the first connection (or failure), then 'up' or 'down'. */
  state(): 'starting' | 'up' | 'down' {
    const status = this.redis.status;
    if (status === 'ready') return 'up';
    if (!this.#everReady && (status === 'wait' || status === 'connecting' || status === 'connect')) return 'starting';
    return 'down';
  }

  /** Resolves once connected; rejects after `timeoutMs` (commands meanwhile fail fast rather than queue). */
  ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`Redis not reachable within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.redis.once('ready', onReady);
    });
  }

  #k(key: string): string {
    return `${this.#prefix}k:${key}`;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.#k(key))) ?? undefined;
  }

  async set(key: string, value: string, opts: CacheSetOptions): Promise<void> {
    if (!(opts.ttlMs > 0)) return;
    const ttl = Math.ceil(opts.ttlMs);
    const tags = [...new Set(opts.tags ?? [])].map((t) => `${this.#prefix}t:${t}`);
    const multi = this.redis.multi().set(this.#k(key), value, 'PX', ttl);
    if (tags.length > 0) multi.eval(TAG_SCRIPT, tags.length, ...tags, this.#k(key), String(ttl));
    const replies = await multi.exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.#k(key));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const match = `${escapeGlob(this.#k(prefix))}*`;
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) n += await this.redis.del(...keys);
    } while (cursor !== '0');
    return n;
  }

  async deleteTag(tag: string): Promise<number> {
    return Number(await this.redis.eval(DELETE_TAG_SCRIPT, 1, `${this.#prefix}t:${tag}`));
  }

  async close(): Promise<void> {
    if (!this.#owned) return;
    await closeRedis(this.redis);
  }
}
