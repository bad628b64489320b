// ReplayGuard in this process: what one replica (or a gateway alone) remembers. Bounded: beyond `max` keys the least
// recently seen are forgotten first (a flood of made-up values cannot grow it without end).
import { LRUCache } from 'lru-cache';
import type { ReplayGuard } from '../../core/replay-guard.js';

export class MemoryReplayGuard implements ReplayGuard {
  readonly #seen: LRUCache<string, true>;

  constructor(max = 100_000) {
    this.#seen = new LRUCache<string, true>({ max, ttlAutopurge: false });
  }

  async first(key: string, ttlMs: number): Promise<boolean> {
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, true, { ttl: ttlMs });
    return true;
  }

  async close(): Promise<void> {
    this.#seen.clear();
  }
}
