// Which requests the cache and dedup middleware may answer from another request's result, under which key and
// for how long. Shared by both so that dedup never collapses a call the cache would refuse to share.
import type { CallContext, McpResult } from '../core/context.js';
import { stateKey } from '../core/state.js';
import { CACHE_KEY_PREFIX, type PartitionMode, PUBLIC_PARTITION, partitionOf, requestKey } from './cache-key.js';

export interface CachePolicyOptions {
  /** Whose results an entry may serve: the same principal (default) or anyone of the same tenant. */
  partition?: PartitionMode;
  /** TTL for tools annotated `readOnlyHint`; default 60 s. 0 caches only tools `toolTtlMs` names. */
  ttlMs?: number;
  /** A tool's own TTL: a number > 0 caches it even without `readOnlyHint`, 0 never caches it, undefined defers to `ttlMs`. */
  toolTtlMs?: (tool: string) => number | undefined;
  /** Whether a tool is annotated `readOnlyHint` (the gateway asks its catalog; a framework server its definitions). */
  readOnly?: (tool: string) => boolean;
  /** Labels an invalidation can target (e.g. `server:github`); `tool:<name>` / `uri:<uri>` / `method:<m>` are always added. */
  tags?: (ctx: CallContext) => readonly string[];
  /** Upper bound on a server's `ttlMs` hint; default 1 hour. */
  maxHintTtlMs?: number;
}

/** Results that carry their own freshness (SEP-2549 `ttlMs` / `cacheScope`). */
export const HINTED_METHODS: ReadonlySet<string> = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

export interface CacheDecision {
  /** Key in the caller's partition. */
  key: string;
  /** Key in the public partition (hinted methods only: a `cacheScope: 'public'` result is stored there). */
  publicKey?: string;
  /** TTL for a tool result; for hinted methods the result's own `ttlMs` decides (see `hintedTtl`). */
  ttlMs: number;
  hinted: boolean;
  tags(): string[];
}

export type CachePolicy = (ctx: CallContext) => CacheDecision | undefined;

export function cachePolicy(opts: CachePolicyOptions = {}): CachePolicy {
  const mode = opts.partition ?? 'principal';
  const defaultTtl = opts.ttlMs ?? 60_000;
  const readOnly = opts.readOnly ?? (() => false);
  const extraTags = opts.tags ?? (() => []);
  // The cache and dedup middleware ask the same policy about the same request: decided once per request (and
  // principal: a decision made before authentication is not reused after it). Kept in the request's own state: a
  // long-lived WeakMap keyed by each request kept every request's decision (and so the request) through
  // young-generation collections (bench/README.md, "GC").
  const decided = stateKey<{ principal: CallContext['principal']; decision: CacheDecision | undefined }>('mcplex.cacheDecision');
  const decide = (ctx: CallContext): CacheDecision | undefined => {
    const params = ctx.params as Record<string, unknown> | undefined;
    // A 2026-era continuation answers an upstream's question: it belongs to this one exchange.
    if (params && ('inputResponses' in params || 'requestState' in params)) return undefined;
    const hinted = HINTED_METHODS.has(ctx.method);
    let ttlMs = 0;
    if (ctx.method === 'tools/call') {
      const tool = ctx.target ?? '';
      ttlMs = opts.toolTtlMs?.(tool) ?? (readOnly(tool) ? defaultTtl : 0);
      if (!(ttlMs > 0)) return undefined;
    } else if (!hinted) return undefined;
    const partition = partitionOf(ctx.principal, mode);
    const own = ctx.method === 'resources/read' ? `uri:${ctx.target ?? ''}` : ctx.method === 'tools/call' ? `tool:${ctx.target ?? ''}` : `method:${ctx.method}`;
    return {
      key: CACHE_KEY_PREFIX + requestKey(ctx, partition),
      ...(hinted && { publicKey: CACHE_KEY_PREFIX + requestKey(ctx, PUBLIC_PARTITION) }),
      ttlMs,
      hinted,
      tags: () => [own, ...extraTags(ctx)],
    };
  };
  return (ctx) => {
    const memo = ctx.state.get(decided);
    if (memo && memo.principal === ctx.principal) return memo.decision;
    const decision = decide(ctx);
    ctx.state.set(decided, { principal: ctx.principal, decision });
    return decision;
  };
}

/** What may be stored at all: complete, successful results only. */
export function storable(result: McpResult): boolean {
  if (result.isError === true) return false;
  return result.resultType === undefined || result.resultType === 'complete';
}

/** A hinted result's TTL (bounded) and whether it may be shared; undefined when it asks not to be cached. */
export function hintedTtl(result: McpResult, maxMs: number): { ttlMs: number; shared: boolean } | undefined {
  if (typeof result.ttlMs !== 'number' || !(result.ttlMs > 0)) return undefined;
  // A missing scope is private: 'public' lets any caller see it, too strong to assume (as the SDK's client does).
  return { ttlMs: Math.min(result.ttlMs, maxMs), shared: result.cacheScope === 'public' };
}
