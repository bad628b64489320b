// In-process RateLimitStore: GCRA cells in an LRU map bounded by key count. A cell whose time is past counts as a
// full burst (gcraStep), so cells need no expiry: lru-cache's per-entry TTL made the last expiring entry clear the
// whole preallocated cache (a fill over maxKeys slots) on nearly every call of a lone caller — a sixth of the
// gateway's CPU in the profile. One process only; use the Redis store when several gateways must share a limit.
import { LRUCache } from 'lru-cache';
import { type ConcurrencySlot, concurrencySlot, gcraStep, type RateDecision, type RateLimitStore, type RateRule } from '../../core/rate-limit-store.js';

export interface MemoryRateLimitOptions {
  /** Most keys kept; the least recently used is forgotten first (its limit starts afresh). Default 100 000. */
  maxKeys?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly inProcess = true;
  readonly #cells: LRUCache<string, number>;
  readonly #now: () => number;
  /** Slots held per concurrency key (a process does not crash without its slots, so no leases here). */
  readonly #held = new Map<string, number>();

  constructor(opts: MemoryRateLimitOptions = {}) {
    this.#cells = new LRUCache<string, number>({ max: opts.maxKeys ?? 100_000 });
    this.#now = opts.now ?? Date.now;
  }

  async hit(key: string, rule: RateRule): Promise<RateDecision> {
    const now = this.#now();
    const { decision, tat } = gcraStep(this.#cells.get(key), now, rule);
    if (tat !== undefined) this.#cells.set(key, tat);
    return decision;
  }

  async acquire(key: string, limit: number): Promise<ConcurrencySlot | undefined> {
    const held = this.#held.get(key) ?? 0;
    if (held >= limit) return undefined;
    this.#held.set(key, held + 1);
    return concurrencySlot(() => {
      const left = (this.#held.get(key) ?? 1) - 1;
      if (left > 0) this.#held.set(key, left);
      else this.#held.delete(key);
    });
  }

  async close(): Promise<void> {
    this.#cells.clear();
    this.#held.clear();
  }
}

export const memoryRateLimitStore = (opts?: MemoryRateLimitOptions): RateLimitStore => new MemoryRateLimitStore(opts);
