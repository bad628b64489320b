// ReplayGuard on Redis, shared by replicas: `SET <prefix><key> 1 PX <ttl> NX`, true when it was set. While Redis is
// away each replica remembers in its own memory instead (a value replayed to another replica then gets through there:
// one warning per outage), and Redis is used again once it answers.
import type { Logger } from '../../core/logger.js';
import type { ReplayGuard } from '../../core/replay-guard.js';
import { MemoryReplayGuard } from '../memory/replay-guard.js';
import { FailFastRedisStore, type KeyedRedisOptions } from './fail-fast.js';

export class RedisReplayGuard extends FailFastRedisStore implements ReplayGuard {
  readonly #local = new MemoryReplayGuard();
  #away = false;

  constructor(
    opts: KeyedRedisOptions,
    private readonly log?: Logger,
  ) {
    super(opts, 'mcplex:once:');
  }

  async first(key: string, ttlMs: number): Promise<boolean> {
    let set: string | null;
    try {
      set = await this.redis.set(this.prefix + key, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    } catch (err) {
      if (!this.#away) this.log?.warn({ problem: (err as Error).message }, 'replay guard: Redis is away; values presented once are remembered by this replica alone until it is back');
      this.#away = true;
      return this.#local.first(key, ttlMs);
    }
    if (this.#away) this.log?.info({}, 'replay guard: Redis answers again; values presented once are shared by the replicas again');
    this.#away = false;
    // New to Redis: kept here too, so what this replica saw while Redis was away is still refused by it afterwards.
    return set === 'OK' && this.#local.first(key, ttlMs);
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.#local.close()]);
  }
}
