// SessionOwners on Redis (ioredis): `<prefix><session id>` → the owner's URL with PX expiry; release deletes only
// the caller's own claim. Commands fail fast while Redis is away: a replica then serves its own sessions and
// answers others' with "Session not found" (the client initializes again), and claims resume when it is back.
import type { Redis } from 'ioredis';
import type { SessionOwners } from '../../core/session-owners.js';
import { closeRedis, failFastRedis, whenReady } from './fail-fast.js';

export interface RedisSessionOwnersOptions {
  url: string;
  /** Default `mcplex:session:`. */
  keyPrefix?: string;
  /** Default 1000 ms. */
  commandTimeoutMs?: number;
}

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class RedisSessionOwners implements SessionOwners {
  readonly redis: Redis;
  readonly #prefix: string;

  constructor(opts: RedisSessionOwnersOptions) {
    this.#prefix = opts.keyPrefix ?? 'mcplex:session:';
    this.redis = failFastRedis(opts.url, opts.commandTimeoutMs);
  }

  /** Resolves once connected, or after `timeoutMs` (false): commands meanwhile fail fast rather than queue. */
  ready(timeoutMs = 5000): Promise<boolean> {
    return whenReady(this.redis, timeoutMs);
  }


  async claim(id: string, owner: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.#prefix + id, owner, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async ownerOf(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.#prefix + id)) ?? undefined;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.#prefix + id, owner);
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
