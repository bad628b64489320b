// The default CacheStore: an in-process LRU (lru-cache) bounded by entry count and by bytes, with TTLs read
// from an injectable clock (tests advance it instead of sleeping) and a tag index for invalidation.
import { LRUCache } from 'lru-cache';
import type { CacheSetOptions, CacheStore } from '../../core/cache-store.js';

export interface MemoryCacheStoreOptions {
  /** Most entries held; default 10 000. */
  maxEntries?: number;
  /** Most bytes held (keys and values, UTF-16 estimate); default 64 MiB. An entry larger than this is not stored. */
  maxBytes?: number;
  /** Milliseconds clock; default Date.now. */
  now?: () => number;
}

interface Entry {
  value: string;
  expiresAt: number;
  tags: readonly string[];
}

export class MemoryCacheStore implements CacheStore {
  readonly inProcess = true;
  readonly #now: () => number;
  readonly #lru: LRUCache<string, Entry>;
  /** tag -> keys holding it; kept in step with the LRU through its dispose hook. */
  readonly #tags = new Map<string, Set<string>>();

  constructor(opts: MemoryCacheStoreOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#lru = new LRUCache<string, Entry>({
      max: opts.maxEntries ?? 10_000,
      maxSize: opts.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (entry, key) => Math.max(1, 2 * (key.length + entry.value.length)),
      dispose: (entry, key) => this.#untag(key, entry.tags),
    });
  }

  #untag(key: string, tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.#tags.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#tags.delete(tag);
    }
  }

  /** Synchronous read for callers on the hot path that can use it (the middleware awaits either way). */
  peek(key: string): string | undefined {
    const entry = this.#lru.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.#now()) return entry.value;
    this.#lru.delete(key);
    return undefined;
  }

  async get(key: string): Promise<string | undefined> {
    return this.peek(key);
  }

  async set(key: string, value: string, opts: CacheSetOptions): Promise<void> {
    if (!(opts.ttlMs > 0)) return;
    const tags = [...new Set(opts.tags ?? [])];
    // Too big for the whole budget: lru-cache would refuse it; make sure an older value does not linger.
    if (2 * (key.length + value.length) > this.#lru.maxSize) {
      this.#lru.delete(key);
      return;
    }
    this.#lru.set(key, { value, expiresAt: this.#now() + opts.ttlMs, tags });
    for (const tag of tags) {
      const keys = this.#tags.get(tag);
      if (keys) keys.add(key);
      else this.#tags.set(tag, new Set([key]));
    }
  }

  async delete(key: string): Promise<void> {
    this.#lru.delete(key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const doomed = [...this.#lru.keys()].filter((k) => k.startsWith(prefix));
    for (const key of doomed) this.#lru.delete(key);
    return doomed.length;
  }

  async deleteTag(tag: string): Promise<number> {
    const keys = [...(this.#tags.get(tag) ?? [])];
    for (const key of keys) this.#lru.delete(key);
    return keys.length;
  }

  /** Entries held (expired ones included until touched). */
  get size(): number {
    return this.#lru.size;
  }

  /** Bytes held, by the same estimate as maxBytes. */
  get bytes(): number {
    return this.#lru.calculatedSize;
  }
}
