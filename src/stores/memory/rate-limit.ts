// In-process RateLimitStore: GCRA cells in an LRU map bounded by key count. A cell whose time is past counts as a
// full burst (gcraStep), so cells need no expiry: lru-cache's per-entry TTL made the last expiring entry clear the
// whole preallocated cache (a fill over maxKeys slots) on nearly every call of a lone caller — a sixth of the
// gateway's CPU in the profile. One process only; use the Redis store when several gateways must share a limit.
import { LRUCache } from 'lru-cache';
import { gcraStep, type RateDecision, type RateLimitStore, type RateRule } from '../../core/rate-limit-store.js';

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

  async close(): Promise<void> {
    this.#cells.clear();
  }
}

export const memoryRateLimitStore = (opts?: MemoryRateLimitOptions): RateLimitStore => new MemoryRateLimitStore(opts);
