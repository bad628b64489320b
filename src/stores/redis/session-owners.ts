// SessionOwners on Redis (ioredis): `<prefix><session id>` → the owner's URL with PX expiry; release deletes only
// the caller's own claim. Commands fail fast while Redis is away: a replica then serves its own sessions and
// answers others' with "Session not found" (the client initializes again), and claims resume when it is back.
import type { SessionOwners } from '../../core/session-owners.js';
import { FailFastRedisStore, type KeyedRedisOptions } from './fail-fast.js';

export type RedisSessionOwnersOptions = KeyedRedisOptions;

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class RedisSessionOwners extends FailFastRedisStore implements SessionOwners {
  constructor(opts: RedisSessionOwnersOptions) {
    super(opts, 'mcplex:session:');
  }

  async claim(id: string, owner: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + id, owner, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async ownerOf(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + id)) ?? undefined;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.prefix + id, owner);
  }
}
