// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import type { Middleware } from '../core/index.js';
import { MemoryCacheStore } from '../stores/memory/memory-cache-store.js';
import { cache } from './cache.js';
import { dedup } from './dedup.js';

export { CACHE_STATUS, type CacheMiddleware, type CacheOptions, type CacheStats, cache, type InvalidateSelector } from './cache.js';
export { canonicalJson, type PartitionMode, partitionOf } from './cache-key.js';
export { type CachePolicy, type CachePolicyOptions, cachePolicy } from './cache-policy.js';
export { type DedupMiddleware, type DedupOptions, type DedupStats, dedup } from './dedup.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  // Cache on its miss path: echo is cached (the bench varies its text, so every call misses and is stored);
  // sleep is not, so its latency figure stays a real call.
  const cached = cache({ store: new MemoryCacheStore(), toolTtlMs: (tool) => (tool.endsWith('echo') ? 60_000 : undefined) });
  return [cached, dedup({ policy: cached.policy })];
}
