// The cache's admin routes: POST /admin/cache/invalidate (by server, tool, URI or all; on every replica) and GET /admin/cache/stats,
// answered by whatever cache the gateway runs now (404 while its config has no `cache:` section).
import type { CacheStore, Logger } from '../core/index.js';
import type { CacheMiddleware, InvalidateSelector } from '../middleware/cache.js';
import type { DedupMiddleware } from '../middleware/dedup.js';
import { type HttpRoute, sendJson } from '../server/index.js';
import { DegradingCacheStore } from '../stores/degrading-cache-store.js';
import type { AdminChanges } from './admin-changes.js';
import type { CacheConfig } from './config/index.js';

/** What the routes answer from: the cache the gateway runs now. */
export interface ServedCache {
  readonly config: CacheConfig;
  readonly store: CacheStore;
  readonly cache: CacheMiddleware;
  readonly dedup: DedupMiddleware | undefined;
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

export function cacheAdminRoutes(current: () => ServedCache | undefined, log: Logger, changes: AdminChanges): HttpRoute[] {
  const none = { status: 404, body: { error: 'the gateway has no cache: add a cache: section to its config' } };
  return [
    changes.route({
      path: '/admin/cache/invalidate',
      async apply(body) {
        const selector = selectorOf(body);
        if (typeof selector === 'string') return { status: 400, body: { error: selector } };
        const c = current();
        if (!c) return none;
        const removed = await c.cache.invalidate(selector);
        log.info({ selector, removed }, 'cache invalidated by admin request');
        return { status: 200, body: { removed } };
      },
      // An invalidation made while this replica was cut off did not reach its own (memory) cache: it is emptied. A
      // Redis cache is the others' too, and they invalidated it.
      async missed() {
        const c = current();
        if (c?.config.store !== 'memory') return;
        const removed = await c.cache.invalidate({ all: true });
        log.info({ removed }, 'cache emptied: invalidations made on other replicas while this one was cut off from them did not reach it');
      },
    }),
    {
      method: 'GET',
      path: '/admin/cache/stats',
      admin: true,
      handle: (_req, res) => {
        const c = current();
        if (!c) return sendJson(res, none.status, none.body);
        sendJson(res, 200, {
          store: c.config.store,
          ...(c.store instanceof DegradingCacheStore && { degraded: c.store.degraded }),
          cache: c.cache.stats(),
          ...(c.dedup && { dedup: c.dedup.stats() }),
        });
      },
    },
  ];
}
