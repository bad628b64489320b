// SecretStore on Redis (ioredis): `<prefix><key>` → the value, with PX expiry when given. Shared by the gateway's
// replicas, so a grant one of them obtained serves callers on all, and an authorization started on one can be
// completed on another (the browser's return lands wherever the load balancer sends it).
import type { Redis } from 'ioredis';
import type { SecretStore } from '../../core/secret-store.js';
import { optionalModule } from '../optional-module.js';

const ioredis = optionalModule<typeof import('ioredis')>('ioredis');

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

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.#prefix + key, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.#prefix + key);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
