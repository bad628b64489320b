// In-process RateLimitStore: GCRA cells in an LRU map whose entries expire once their limit is full again, so
// idle keys cost nothing. One process only; use the Redis store when several gateways must share a limit.
import { LRUCache } from 'lru-cache';
import { gcraStep, type RateDecision, type RateLimitStore, type RateRule } from '../../core/rate-limit-store.js';

export interface MemoryRateLimitOptions {
  /** Most keys kept; the least recently used is forgotten first (its limit starts afresh). Default 100 000. */
  maxKeys?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #cells: LRUCache<string, number>;
  readonly #now: () => number;

  constructor(opts: MemoryRateLimitOptions = {}) {
    this.#cells = new LRUCache<string, number>({ max: opts.maxKeys ?? 100_000 });
    this.#now = opts.now ?? Date.now;
  }

  async hit(key: string, rule: RateRule): Promise<RateDecision> {
    const now = this.#now();
    const { decision, tat } = gcraStep(this.#cells.get(key), now, rule);
    // The cell can be forgotten once it is back to a full burst: that is exactly when tat <= now.
    if (tat !== undefined) this.#cells.set(key, tat, { ttl: Math.max(1, Math.ceil(tat - now)) });
    return decision;
  }

  async close(): Promise<void> {
    this.#cells.clear();
  }
}

export const memoryRateLimitStore = (opts?: MemoryRateLimitOptions): RateLimitStore => new MemoryRateLimitStore(opts);
