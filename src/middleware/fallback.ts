// Fallback responses for selected tools when their backend fails: a configured static result, or the last
// successful result for the same arguments and caller marked stale in `_meta`, kept in a CacheStore when one is
// given (shared by replicas with Redis) or else in this process's memory.
import { LRUCache } from 'lru-cache';
import type { CacheStore } from '../core/cache-store.js';
import { type CallContext, isToolError, type McpResult, type Middleware } from '../core/index.js';
import { partitionOf, requestKey } from './cache-key.js';
import { transientError } from './retry.js';
import { storeCall } from './tracing.js';

export type FallbackRule = { result: McpResult } | { lastGood: true; maxAgeMs?: number };

export interface FallbackOptions {
  /** The rule for an exposed tool name, if any; read per request. */
  rule: (tool: string) => FallbackRule | undefined;
  /** Which failures are answered by the fallback; default: unavailable and timeout. */
  applies?: (err: unknown) => boolean;
  /** Where last good results are kept (the gateway's cache store); default: an LRU in this process. */
  store?: CacheStore;
  /** Last good results kept in memory, across all tools, when there is no store; default 1000. */
  maxEntries?: number;
}

export const STALE_META = 'mcplex/stale';

/** How long a last good result is kept in the store when its rule sets no maxAgeMs. */
export const LAST_GOOD_TTL_MS = 24 * 60 * 60 * 1000;

/** Keys of last good results in a shared store start with this, apart from the result cache's. */
export const FALLBACK_KEY_PREFIX = 'fallback:';

interface Kept {
  result: McpResult;
  at: number;
}

/** Where the last good results live: `remember` never fails nor waits; `recall` may reject. */
interface LastGood {
  remember(ctx: CallContext, key: string, kept: Kept, ttlMs: number): void;
  recall(ctx: CallContext, key: string): Promise<Kept | undefined>;
}

function inMemory(maxEntries: number): LastGood {
  const good = new LRUCache<string, Kept>({ max: maxEntries });
  return { remember: (_ctx, key, kept) => void good.set(key, kept), recall: async (_ctx, key) => good.get(key) };
}

function inStore(store: CacheStore): LastGood {
  const failed = (ctx: CallContext) => (err: unknown) => ctx.log.warn({ err, tool: ctx.target }, 'could not keep the last good result for fallback');
  return {
    remember(ctx, key, kept, ttlMs) {
      try {
        // Serialized now, as the call answered: stages above may still change the result object.
        const value = JSON.stringify(kept);
        void storeCall(ctx, store, 'fallback set', () => store.set(key, value, { ttlMs })).catch(failed(ctx));
      } catch (err) {
        failed(ctx)(err);
      }
    },
    async recall(ctx, key) {
      const raw = await storeCall(ctx, store, 'fallback get', () => store.get(key));
      return raw === undefined ? undefined : (JSON.parse(raw) as Kept);
    },
  };
}

/** Results are per caller (the cache's principal partition): one caller's data never answers another's call. */
const keyOf = (ctx: CallContext) => FALLBACK_KEY_PREFIX + requestKey(ctx, partitionOf(ctx.principal, 'principal'));

export function fallback(opts: FallbackOptions): Middleware {
  const applies = opts.applies ?? transientError;
  const good = opts.store ? inStore(opts.store) : inMemory(opts.maxEntries ?? 1000);
  return async function fallbackStage(ctx, next) {
    if (ctx.method !== 'tools/call') return next();
    const rule = opts.rule(ctx.target ?? '');
    if (!rule) return next();
    const key = 'lastGood' in rule ? keyOf(ctx) : '';
    try {
      const result = await next();
      if ('lastGood' in rule && result.isError !== true) good.remember(ctx, key, { result, at: Date.now() }, rule.maxAgeMs ?? LAST_GOOD_TTL_MS);
      return result;
    } catch (err) {
      if (isToolError(err) || !applies(err) || ctx.signal.aborted) throw err;
      if ('result' in rule) return { ...rule.result, _meta: { ...(rule.result._meta as object | undefined), [STALE_META]: true } };
      const kept = await good.recall(ctx, key).catch((readErr: unknown) => {
        ctx.log.warn({ err: readErr, tool: ctx.target }, 'could not read the last good result for fallback');
        return undefined;
      });
      if (!kept) throw err;
      // Replicas' clocks differ a little: a result from a moment "ahead" is fresh, not of negative age.
      const ageMs = Math.max(0, Date.now() - kept.at);
      if (rule.maxAgeMs !== undefined && ageMs > rule.maxAgeMs) throw err;
      ctx.log.info({ tool: ctx.target, ageMs }, 'answering with the last good result');
      return { ...kept.result, _meta: { ...(kept.result._meta as object | undefined), [STALE_META]: { ageMs, reason: (err as Error).message } } };
    }
  };
}
