// SecretStore on Redis (ioredis): `<prefix><key>` → the value, with PX expiry when given. Shared by the gateway's
// replicas, so a grant one of them obtained serves callers on all, and an authorization started on one can be
// completed on another (the browser's return lands wherever the load balancer sends it).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SecretStore } from '../../core/secret-store.js';
import { optionalModule } from '../optional-module.js';

const ioredis = optionalModule<typeof import('ioredis')>('ioredis');
/** Deletes KEYS[1] only while it holds ARGV[1] (the claim's token). */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

export interface RedisSecretStoreOptions {
  url: string;
  /** Default `mcplex:secret:`. */
  keyPrefix?: string;
  /** Default 2000 ms. */
  commandTimeoutMs?: number;
}

export class RedisSecretStore implements SecretStore {
  readonly redis: Redis;
  readonly #prefix: string;

  constructor(opts: RedisSecretStoreOptions) {
    this.#prefix = opts.keyPrefix ?? 'mcplex:secret:';
    this.redis = new (ioredis().Redis)(opts.url, {
      maxRetriesPerRequest: 1,
      commandTimeout: opts.commandTimeoutMs ?? 2000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
    });
    this.redis.on('error', () => {});
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.#prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs === undefined) await this.redis.set(this.#prefix + key, value);
    else await this.redis.set(this.#prefix + key, value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async claim(key: string, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    return (await this.redis.set(this.#prefix + key, token, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK' ? token : undefined;
  }

  async release(key: string, token: string): Promise<void> {
    // Compared and deleted in one step: a claim that ran out and another replica made is theirs.
    await this.redis.eval(RELEASE, 1, this.#prefix + key, token);
  }

  async keys(prefix: string): Promise<string[]> {
    // SCAN, never KEYS: the server is not held up however many keys it has.
    const found: string[] = [];
    const pattern = `${globEscaped(this.#prefix + prefix)}*`;
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      for (const k of batch) found.push(k.slice(this.#prefix.length));
    } while (cursor !== '0');
    return [...new Set(found)];
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.#prefix + key);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** `text` as a SCAN pattern matching itself alone (its glob characters escaped). */
const globEscaped = (text: string) => text.replace(/[\\*?[\]]/g, '\\$&');
