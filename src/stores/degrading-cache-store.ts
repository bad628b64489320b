// A shared CacheStore (Redis) with a local one behind it: while the shared store is away the cache keeps
// working locally, with one warning per outage (not per call), and goes back to the shared store when it returns.
import type { CacheSetOptions, CacheStore } from '../core/cache-store.js';
import type { Logger } from '../core/logger.js';

/** A store that can say whether it is reachable without a round trip (RedisCacheStore does). */
export interface MonitoredCacheStore extends CacheStore {
  state(): 'starting' | 'up' | 'down';
}

export class DegradingCacheStore implements CacheStore {
  #degraded = false;
  /** An invalidation the shared store did not get: other replicas may hold entries it should have removed. */
  #missedInvalidation = false;

  constructor(
    readonly shared: MonitoredCacheStore,
    readonly local: CacheStore,
    private readonly log: Logger,
    private readonly name = 'redis',
    /** What a missed invalidation could have reached, cleared on recovery (the cache's keys, not what shares its store). */
    private readonly invalidatable = '',
  ) {}

  /** True while calls are served by the local store. */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** The store to use now; notices outages and recoveries as they are seen. */
  #pick(): CacheStore {
    const state = this.shared.state();
    if (state === 'up') {
      if (this.#degraded && Date.now() >= this.#nextProbe) void this.#recover();
      return this.#degraded ? this.local : this.shared;
    }
    // Still connecting for the first time: serve locally without crying wolf.
    if (state === 'down') this.#degrade();
    return this.local;
  }

  #degrade(err?: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.log.warn({ store: this.name, err }, `cache store '${this.name}' unavailable; caching locally until it returns`);
  }

  #recovering = false;
  /** Connected is not answering (a hung Redis): recovery first proves a round trip, at most once a second. */
  #nextProbe = 0;
  async #recover(): Promise<void> {
    if (this.#recovering) return;
    this.#recovering = true;
    this.#nextProbe = Date.now() + 1000;
    try {
      await this.shared.get('mcplex:probe');
      // Invalidations made during the outage (or while this ran) never reached the shared store: drop what it
      // holds rather than serve it.
      while (this.#missedInvalidation) {
        this.#missedInvalidation = false;
        await this.shared.deletePrefix(this.invalidatable).catch((err: unknown) => {
          this.#missedInvalidation = true;
          throw err;
        });
      }
      // What was cached locally meanwhile is not the shared store's: not to be served in a later outage either.
      await this.local.deletePrefix('');
      this.#degraded = false;
      this.log.info({ store: this.name }, `cache store '${this.name}' is back; using it again`);
    } catch (err) {
      this.log.debug({ err, store: this.name }, 'cache store recovery attempt failed; staying local');
    } finally {
      this.#recovering = false;
    }
  }

  /** Runs `op` on the chosen store; a shared-store failure degrades and retries on the local one. */
  async #use<T>(op: (s: CacheStore) => Promise<T>): Promise<T> {
    const store = this.#pick();
    if (store === this.local) return op(store);
    try {
      return await op(store);
    } catch (err) {
      this.#degrade(err);
      return op(this.local);
    }
  }

  get(key: string): Promise<string | undefined> {
    return this.#use((s) => s.get(key));
  }

  set(key: string, value: string, opts: CacheSetOptions): Promise<void> {
    return this.#use((s) => s.set(key, value, opts));
  }

  /** Invalidations go to both stores; one the shared store misses is remembered for recovery. */
  async #invalidate(op: (s: CacheStore) => Promise<number>): Promise<number> {
    const local = await op(this.local);
    if (this.#pick() !== this.shared) {
      this.#missedInvalidation = true;
      return local;
    }
    try {
      return local + (await op(this.shared));
    } catch (err) {
      this.#missedInvalidation = true;
      this.#degrade(err);
      return local;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#invalidate(async (s) => {
      await s.delete(key);
      return 0;
    });
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.#invalidate((s) => s.deletePrefix(prefix));
  }

  deleteTag(tag: string): Promise<number> {
    return this.#invalidate((s) => s.deleteTag(tag));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.shared.close?.(), this.local.close?.()]);
  }
}
