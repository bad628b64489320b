// Result cache middleware: answers a repeated read-only tool call (or a list/read whose result carries a
// `ttlMs` hint) from a CacheStore, per partition, and counts hits and misses for metrics.
import type { CacheStore } from '../core/cache-store.js';
import type { CallContext, McpResult, Middleware, Next } from '../core/context.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { stateKey } from '../core/state.js';
import { PARAM_HEADER_CHECK } from '../core/param-header-check.js';
import { CACHE_KEY_PREFIX } from './cache-key.js';
import { storeCall } from './tracing.js';
import { type CacheDecision, type CachePolicy, type CachePolicyOptions, cachePolicy, hintedTtl, storable } from './cache-policy.js';

export interface CacheOptions extends CachePolicyOptions {
  store: CacheStore;
  log?: Logger;
  /** Look lists and reads up from the first request (a shared store other replicas fill with hinted results). */
  hintsExpected?: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Results written to the store. */
  stores: number;
  /** Store operations that failed (each one served as a miss). */
  errors: number;
  /** Entries removed by invalidate(). */
  invalidated: number;
}

/** What to drop: everything, one tag, or the entries of a server, a tool (exposed name) or a resource URI. */
export type InvalidateSelector = { all: true } | { tag: string } | { server: string } | { tool: string } | { uri: string };

export interface CacheMiddleware extends Middleware {
  stats(): CacheStats;
  invalidate(selector: InvalidateSelector): Promise<number>;
  readonly store: CacheStore;
  readonly policy: CachePolicy;
}

/** Set on each request the cache looked at, for metrics, audit and tests. */
export const CACHE_STATUS = stateKey<'hit' | 'miss'>('mcplex.cache');

export function tagOf(selector: InvalidateSelector): string | undefined {
  if ('tag' in selector) return selector.tag;
  if ('server' in selector) return `server:${selector.server}`;
  if ('tool' in selector) return `tool:${selector.tool}`;
  if ('uri' in selector) return `uri:${selector.uri}`;
  return undefined;
}

export function cache(opts: CacheOptions): CacheMiddleware {
  const { store } = opts;
  const log = opts.log ?? silentLogger;
  const policy = cachePolicy(opts);
  const maxHint = opts.maxHintTtlMs ?? 3_600_000;
  const counts: CacheStats = { hits: 0, misses: 0, stores: 0, errors: 0, invalidated: 0 };
  // Bumped by every invalidation: a result fetched across one may predate it and is not stored.
  let generation = 0;
  let hintsSeen = opts.hintsExpected === true;

  const failed = (err: unknown, op: string) => {
    counts.errors++;
    log.debug({ err, op }, 'cache store operation failed; treated as a miss');
    return undefined;
  };
  // A shared store (Redis) is I/O: its lookups and writes get spans of their own when tracing is on.
  const read = (ctx: CallContext, key: string) => storeCall(ctx, store, 'cache get', () => store.get(key)).catch((err) => failed(err, 'get'));
  // The in-process store answers synchronously: a hit then costs no promise round (a hit should cost less than a
  // local tool call).
  const peek = (store as { peek?: (key: string) => string | undefined }).peek?.bind(store);
  const lookup = (ctx: CallContext, d: CacheDecision): string | undefined | Promise<string | undefined> =>
    peek ? (peek(d.key) ?? (d.publicKey ? peek(d.publicKey) : undefined)) : read(ctx, d.key).then((raw) => raw ?? (d.publicKey ? read(ctx, d.publicKey) : undefined));

  /** A miss: the call runs, and a storable result is stored under the decision's key (or the public one). */
  async function fetchAndStore(ctx: CallContext, decision: CacheDecision, next: Next): Promise<McpResult> {
    const started = generation;
    const result = await next();
    if (!storable(result) || started !== generation) return result;
    let ttlMs = decision.ttlMs;
    let key = decision.key;
    if (decision.hinted) {
      const hint = hintedTtl(result, maxHint);
      if (!hint) return result;
      hintsSeen = true;
      ttlMs = hint.ttlMs;
      if (hint.shared && decision.publicKey) key = decision.publicKey;
    }
    try {
      await storeCall(ctx, store, 'cache set', () => store.set(key, JSON.stringify(result), { ttlMs, tags: decision.tags() }));
      counts.stores++;
    } catch (err) {
      failed(err, 'set');
    }
    return result;
  }

  const middleware: Middleware = async function cacheMiddleware(ctx, next) {
    const decision = policy(ctx);
    if (!decision) return next();
    // Lists and reads are looked up only once one carried a ttlMs hint (here, or on a shared store, when told so):
    // most servers send none, and a list request should not pay store round trips for nothing.
    if (decision.hinted && !hintsSeen) return fetchAndStore(ctx, decision, next);
    const found = lookup(ctx, decision);
    const raw = typeof found === 'object' ? await found : found;
    if (raw !== undefined) {
      // A 2026-era call's Mcp-Param headers are checked as the terminal would have (-32020 when they disagree).
      ctx.state.get(PARAM_HEADER_CHECK)?.(ctx);
      counts.hits++;
      ctx.state.set(CACHE_STATUS, 'hit');
      // Parsed per hit: every caller owns its copy, whatever later middleware does to it.
      return JSON.parse(raw) as McpResult;
    }
    counts.misses++;
    ctx.state.set(CACHE_STATUS, 'miss');
    return fetchAndStore(ctx, decision, next);
  };

  return Object.assign(middleware, {
    store,
    policy,
    stats: () => ({ ...counts }),
    async invalidate(selector: InvalidateSelector): Promise<number> {
      generation++;
      const tag = tagOf(selector);
      const n = tag === undefined ? await store.deletePrefix(CACHE_KEY_PREFIX) : await store.deleteTag(tag);
      counts.invalidated += n;
      return n;
    },
  });
}
