// The state behind the result cache: string values with a TTL and tags, deletable by key, prefix or tag.
// Backends live in src/stores/ (memory LRU, Redis); one contract suite (test/stores/cache-store.contract.ts) runs on each.

export interface CacheSetOptions {
  /** Milliseconds until the entry expires; must be > 0. */
  ttlMs: number;
  /** Labels an invalidation can target all at once (a server, a tool, a resource URI). */
  tags?: readonly string[];
}

/**
 * Values are opaque strings (the middleware stores serialized results), so every backend measures and ships
 * them the same way and a hit can never hand out an object someone else may mutate.
 */
export interface CacheStore {
  /** True for an in-process store; any other is I/O, and its get/set get spans of their own when tracing is on. */
  readonly inProcess?: boolean;
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, opts: CacheSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Deletes every entry whose key starts with `prefix` ('' deletes everything); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Deletes every entry set with `tag`; returns how many. */
  deleteTag(tag: string): Promise<number>;
  /** Releases connections; the store is not used afterwards. */
  close?(): Promise<void>;
}
