// The gateway's result cache and dedup, built from the `cache:` section: its store (memory, or Redis with a local
// fallback), read-only and TTL rules from the catalog, invalidation on upstream changes, and the admin routes. One
// pipeline slot holds the current cache (LiveCache): a reload replaces its rules in place, and its store (with
// the cache and dedup around it) when anything else in the section changed, the section added or removed included.
import { isDeepStrictEqual } from 'node:util';
import type { CacheStore, CallContext, Logger, Middleware } from '../core/index.js';
import { type CacheMiddleware, cache, type InvalidateSelector } from '../middleware/cache.js';
import { CACHE_KEY_PREFIX } from '../middleware/cache-key.js';
import { dedup } from '../middleware/dedup.js';
import type { HttpRoute } from '../server/index.js';
import { cacheAdminRoutes, type ServedCache } from './cache-admin.js';
import { DegradingCacheStore } from '../stores/degrading-cache-store.js';
import { MemoryCacheStore } from '../stores/memory/memory-cache-store.js';
import { RedisCacheStore } from '../stores/redis/redis-cache-store.js';
import { AdminChanges } from './admin-changes.js';
import type { Catalog } from './catalog.js';
import type { CacheConfig, GatewayConfig } from './config/index.js';
import type { UpstreamChanges } from './upstream-changes.js';

export interface CacheStageDeps {
  catalog: Catalog;
  routes: HttpRoute[];
  /** Where the cache's admin changes are made (on every replica with `cluster:`); absent: here alone. */
  adminChanges?: AdminChanges;
  changes: UpstreamChanges;
  logger: Logger;
  /** Registers cleanup for gateway close (the Redis connection). */
  onClose(fn: () => Promise<void>): void;
  /** Registers what a config reload applies. */
  onReload?(apply: (next: GatewayConfig) => void): void;
  /** Told the current store (undefined: none) whenever it is replaced: `lastGood` fallbacks keep results there. */
  onStore?(store: CacheStore | undefined): void;
}

/** How long a replaced store stays open for requests already past the cache stage. */
const RETIRE_AFTER_MS = 30_000;

/** The part of `cache:` a reload applies: which tools are cached and for how long. */
type CacheRules = Pick<CacheConfig, 'ttlMs' | 'servers'>;
const rulesOf = ({ ttlMs, servers }: CacheConfig): CacheRules => ({ ttlMs, servers });

/** Whether going from `before` to `after` needs a new store: the section added or removed, or anything but the TTL rules changed. */
function cacheStoreChanged(before: CacheConfig | undefined, after: CacheConfig | undefined): boolean {
  if (!before || !after) return before !== after;
  return !isDeepStrictEqual({ ...before, ttlMs: 0, servers: {} }, { ...after, ttlMs: 0, servers: {} });
}

function storeFor(config: CacheConfig, log: Logger): CacheStore {
  const local = new MemoryCacheStore({ maxEntries: config.maxEntries, maxBytes: config.maxBytes });
  if (config.store !== 'redis' || !config.redis) return local;
  const { url, keyPrefix, commandTimeoutMs } = config.redis;
  // Last-good fallbacks share the store; an invalidation never reaches them, so recovery leaves them too.
  return new DegradingCacheStore(new RedisCacheStore({ url, keyPrefix, commandTimeoutMs }), local, log, 'redis', CACHE_KEY_PREFIX);
}

/** `readOnlyHint` by exposed tool name, indexed once per catalog merge (the catalog replaces its array then). */
function readOnlyIndex(catalog: Catalog): (tool: string) => boolean {
  let indexed: unknown;
  let readOnly = new Set<string>();
  return (tool) => {
    if (indexed !== catalog.tools) {
      indexed = catalog.tools;
      readOnly = new Set(catalog.tools.filter((t) => (t.annotations as { readOnlyHint?: unknown } | undefined)?.readOnlyHint === true).map((t) => String(t.name)));
    }
    return readOnly.has(tool);
  };
}

/** One cache built from one `cache:` section: its store, the cache and dedup stages, and its TTL rules. */
interface CacheGeneration extends ServedCache {
  rules: CacheRules;
}

function buildCache(config: CacheConfig, catalog: Catalog, log: Logger): CacheGeneration {
  const store = storeFor(config, log);
  const readOnly = readOnlyIndex(catalog);
  const serverOf = (ctx: CallContext) => (ctx.method === 'resources/read' ? catalog.resourceOwner(ctx.target ?? '') : catalog.tool(ctx.target ?? '')?.upstream)?.name;
  const cacheStage = cache({
    store,
    log,
    partition: config.partition,
    maxHintTtlMs: config.maxHintTtlMs,
    readOnly,
    // The whole decision from the current rules (a reload replaces them): a server's rule, else readOnlyHint.
    toolTtlMs: (tool) => {
      const route = catalog.tool(tool);
      const server = route && generation.rules.servers[route.upstream.name];
      const own = route && server ? (server.tools[route.name] ?? (server.ttlMs !== undefined && readOnly(tool) ? server.ttlMs : undefined)) : undefined;
      return own ?? (readOnly(tool) ? generation.rules.ttlMs : 0);
    },
    tags: (ctx) => {
      const server = serverOf(ctx);
      return server === undefined ? [] : [`server:${server}`];
    },
  });
  const generation: CacheGeneration = {
    config,
    store,
    cache: cacheStage,
    dedup: config.dedup ? dedup({ policy: cacheStage.policy }) : undefined,
    rules: rulesOf(config),
  };
  return generation;
}

/** The pipeline slot for cache → dedup, whatever the current `cache:` section builds (nothing without one). */
export class LiveCache {
  #current: CacheGeneration | undefined;
  readonly #retired = new Set<CacheStore>();
  readonly #deps: CacheStageDeps;

  constructor(config: CacheConfig | undefined, deps: CacheStageDeps) {
    this.#deps = deps;
    this.#current = config && buildCache(config, deps.catalog, deps.logger);
    deps.onStore?.(this.#current?.store);
    deps.onReload?.((next) => this.update(next.cache));
    deps.onClose(() => this.close());
    deps.changes.on((change) => {
      // A server whose lists changed or that restarted may now answer differently: drop all it answered.
      if (change.type === 'resourceUpdated') void this.#invalidate({ uri: change.uri }, 'resource updated');
      else void this.#invalidate({ server: change.server }, change.type === 'status' ? 'server up/down' : `${change.kind} list changed`);
    });
    deps.routes.push(...cacheAdminRoutes(() => this.#current, deps.logger, deps.adminChanges ?? new AdminChanges(deps.logger)));
  }

  /** Cache, then dedup, of the current section; without one, the request goes straight on (one check). */
  readonly middleware: Middleware & { readonly live: LiveCache } = Object.assign(
    ((ctx, next) => {
      const c = this.#current;
      if (!c) return next();
      const { dedup: d } = c;
      return c.cache(ctx, d ? () => d(ctx, next) : next);
    }) as Middleware,
    { live: this },
  );

  /** The current cache stage (undefined without a `cache:` section). */
  get cache(): CacheMiddleware | undefined {
    return this.#current?.cache;
  }

  /** Applies a (re)loaded section: new TTL rules in place, a new store (and stages) for anything else. */
  update(next: CacheConfig | undefined): void {
    const current = this.#current;
    if (!cacheStoreChanged(current?.config, next)) {
      if (!current || !next || isDeepStrictEqual(rulesOf(next), current.rules)) return;
      current.rules = rulesOf(next);
      // Entries stored under the old rules may be for tools no longer cached, or kept longer than now allowed.
      void this.#invalidate({ all: true }, 'cache rules changed');
      return;
    }
    this.#current = next && buildCache(next, this.#deps.catalog, this.#deps.logger);
    this.#deps.onStore?.(this.#current?.store);
    this.#deps.logger.info({ store: next?.store ?? 'none' }, next ? 'cache rebuilt from the reloaded config (entries start empty)' : 'cache removed by the reloaded config');
    if (current) this.#retire(current.store);
  }

  async close(): Promise<void> {
    const stores = [...this.#retired, ...(this.#current ? [this.#current.store] : [])];
    this.#current = undefined;
    this.#retired.clear();
    await Promise.all(stores.map((s) => s.close?.()));
  }

  /** A replaced store stays open a while for requests already past the stage, then closes (its Redis connection). */
  #retire(store: CacheStore): void {
    this.#retired.add(store);
    setTimeout(() => {
      if (!this.#retired.delete(store)) return;
      void Promise.resolve(store.close?.()).catch((err) => this.#deps.logger.warn({ err }, 'replaced cache store did not close cleanly'));
    }, RETIRE_AFTER_MS).unref();
  }

  #invalidate(selector: InvalidateSelector, why: string): Promise<void> {
    const c = this.#current;
    if (!c) return Promise.resolve();
    const log = this.#deps.logger;
    return c.cache.invalidate(selector).then(
      (removed) => log.debug({ selector, removed, why }, 'cache invalidated'),
      (err) => log.warn({ err, selector }, 'cache invalidation failed'),
    );
  }
}
