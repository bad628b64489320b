// The gateway's result cache and dedup, built from the `cache:` section: its store (memory, or Redis with a local
// fallback), read-only and TTL rules from the catalog, invalidation on upstream changes, and the admin routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { CacheStore, CallContext, Logger } from '../core/index.js';
import { type CacheMiddleware, cache, type InvalidateSelector } from '../middleware/cache.js';
import { CACHE_KEY_PREFIX } from '../middleware/cache-key.js';
import { type DedupMiddleware, dedup } from '../middleware/dedup.js';
import { type HttpRoute, sendJson } from '../server/index.js';
import { readJsonBody } from '../server/http/body.js';
import { DegradingCacheStore } from '../stores/degrading-cache-store.js';
import { MemoryCacheStore } from '../stores/memory/memory-cache-store.js';
import { RedisCacheStore } from '../stores/redis/redis-cache-store.js';
import type { Catalog } from './catalog.js';
import type { CacheConfig, GatewayConfig } from './config/index.js';
import type { UpstreamChanges } from './upstream-changes.js';

export interface CacheStageDeps {
  catalog: Catalog;
  routes: HttpRoute[];
  changes: UpstreamChanges;
  logger: Logger;
  /** Registers cleanup for gateway close (the Redis connection). */
  onClose(fn: () => Promise<void>): void;
  /** Registers what a config reload applies (the TTL rules). */
  onReload?(apply: (next: GatewayConfig) => void): void;
}

/** The part of `cache:` a reload applies: which tools are cached and for how long. */
type CacheRules = Pick<CacheConfig, 'ttlMs' | 'servers'>;
const rulesOf = ({ ttlMs, servers }: CacheConfig): CacheRules => ({ ttlMs, servers });

/** Whether going from `before` to `after` needs a restart: the section added or removed, or anything but the TTL rules changed. */
export function cacheNeedsRestart(before: CacheConfig | undefined, after: CacheConfig | undefined): boolean {
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

const SELECTORS = ['all', 'server', 'tool', 'uri'] as const;

/** `{server}`, `{tool}`, `{uri}` (strings) or `{all: true}`: exactly one. */
function selectorOf(body: unknown): InvalidateSelector | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'expected a JSON object such as {"server":"github"}';
  const given = Object.keys(body).filter((k) => (SELECTORS as readonly string[]).includes(k));
  const unknown = Object.keys(body).filter((k) => !(SELECTORS as readonly string[]).includes(k));
  if (unknown.length > 0 || given.length !== 1) return 'give exactly one of server, tool, uri (a name) or all (true)';
  const key = given[0] as (typeof SELECTORS)[number];
  const value = (body as Record<string, unknown>)[key];
  if (key === 'all') return value === true ? { all: true } : 'all must be true';
  if (typeof value !== 'string' || value === '') return `${key} must be a non-empty string`;
  return { [key]: value } as InvalidateSelector;
}

export function cacheStages(config: CacheConfig | undefined, deps: CacheStageDeps): { cache?: CacheMiddleware; dedup?: DedupMiddleware } {
  if (!config) return {};
  const { catalog, logger: log } = deps;
  const store = storeFor(config, log);
  const readOnly = readOnlyIndex(catalog);
  let rules = rulesOf(config);
  const serverOf = (ctx: CallContext) => (ctx.method === 'resources/read' ? catalog.resourceOwner(ctx.target ?? '') : catalog.tool(ctx.target ?? '')?.upstream)?.name;
  const middleware = cache({
    store,
    log,
    partition: config.partition,
    maxHintTtlMs: config.maxHintTtlMs,
    readOnly,
    // The whole decision from the current rules (a reload replaces them): a server's rule, else readOnlyHint.
    toolTtlMs: (tool) => {
      const route = catalog.tool(tool);
      const server = route && rules.servers[route.upstream.name];
      const own = route && server ? (server.tools[route.name] ?? (server.ttlMs !== undefined && readOnly(tool) ? server.ttlMs : undefined)) : undefined;
      return own ?? (readOnly(tool) ? rules.ttlMs : 0);
    },
    tags: (ctx) => {
      const server = serverOf(ctx);
      return server === undefined ? [] : [`server:${server}`];
    },
  });
  const dedupe = config.dedup ? dedup({ policy: middleware.policy }) : undefined;
  const invalidate = (selector: InvalidateSelector, why: string) =>
    middleware.invalidate(selector).then(
      (removed) => log.debug({ selector, removed, why }, 'cache invalidated'),
      (err) => log.warn({ err, selector }, 'cache invalidation failed'),
    );
  deps.onReload?.((next) => {
    if (!next.cache || cacheNeedsRestart(config, next.cache) || isDeepStrictEqual(rulesOf(next.cache), rules)) return;
    rules = rulesOf(next.cache);
    // Entries stored under the old rules may be for tools no longer cached, or kept longer than now allowed.
    void invalidate({ all: true }, 'cache rules changed');
  });
  deps.changes.on((change) => {
    // A server whose lists changed or that restarted may now answer differently: drop all it answered.
    if (change.type === 'resourceUpdated') void invalidate({ uri: change.uri }, 'resource updated');
    else void invalidate({ server: change.server }, change.type === 'status' ? 'server up/down' : `${change.kind} list changed`);
  });
  deps.routes.push(
    {
      method: 'POST',
      path: '/admin/cache/invalidate',
      admin: true,
      handle: async (req: IncomingMessage, res: ServerResponse) => {
        const body = await readJsonBody(req, 64 * 1024, 8);
        if (!body.ok) return sendJson(res, body.status, { error: body.message });
        const selector = selectorOf(body.value);
        if (typeof selector === 'string') return sendJson(res, 400, { error: selector });
        const removed = await middleware.invalidate(selector);
        log.info({ selector, removed }, 'cache invalidated by admin request');
        sendJson(res, 200, { removed });
      },
    },
    {
      method: 'GET',
      path: '/admin/cache/stats',
      admin: true,
      handle: (_req, res) =>
        sendJson(res, 200, {
          store: config.store,
          ...(store instanceof DegradingCacheStore && { degraded: store.degraded }),
          cache: middleware.stats(),
          ...(dedupe && { dedup: dedupe.stats() }),
        }),
    },
  );
  deps.onClose(async () => store.close?.());
  return { cache: middleware, ...(dedupe && { dedup: dedupe }) };
}
