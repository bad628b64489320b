// Fallback responses for selected tools when their backend fails: a configured static result, or the last
// successful result for the same arguments and caller (kept in memory) marked stale in `_meta`.
import { LRUCache } from 'lru-cache';
import { type CallContext, canonicalJson, isToolError, type McpResult, type Middleware } from '../core/index.js';
import { transientError } from './retry.js';

export type FallbackRule = { result: McpResult } | { lastGood: true; maxAgeMs?: number };

export interface FallbackOptions {
  /** The rule for an exposed tool name, if any; read per request. */
  rule: (tool: string) => FallbackRule | undefined;
  /** Which failures are answered by the fallback; default: unavailable and timeout. */
  applies?: (err: unknown) => boolean;
  /** Last good results kept, across all tools; default 1000. */
  maxEntries?: number;
}

export const STALE_META = 'mcplex/stale';

/** Results are per caller (principal and tenant): one caller's data never answers another's call. */
function keyOf(ctx: CallContext): string {
  const args = (ctx.params as { arguments?: unknown } | undefined)?.arguments ?? {};
  return `${JSON.stringify([ctx.principal.id, ctx.principal.tenant ?? null, ctx.target])}${canonicalJson(args)}`;
}

export function fallback(opts: FallbackOptions): Middleware {
  const applies = opts.applies ?? transientError;
  const good = new LRUCache<string, { result: McpResult; at: number }>({ max: opts.maxEntries ?? 1000 });
  return async function fallbackStage(ctx, next) {
    if (ctx.method !== 'tools/call') return next();
    const rule = opts.rule(ctx.target ?? '');
    if (!rule) return next();
    const key = 'lastGood' in rule ? keyOf(ctx) : '';
    try {
      const result = await next();
      if ('lastGood' in rule && result.isError !== true) good.set(key, { result, at: Date.now() });
      return result;
    } catch (err) {
      if (isToolError(err) || !applies(err) || ctx.signal.aborted) throw err;
      if ('result' in rule) return { ...rule.result, _meta: { ...(rule.result._meta as object | undefined), [STALE_META]: true } };
      const kept = good.get(key);
      if (!kept || (rule.maxAgeMs !== undefined && Date.now() - kept.at > rule.maxAgeMs)) throw err;
      ctx.log.info({ tool: ctx.target, ageMs: Date.now() - kept.at }, 'answering with the last good result');
      return { ...kept.result, _meta: { ...(kept.result._meta as object | undefined), [STALE_META]: { ageMs: Date.now() - kept.at, reason: (err as Error).message } } };
    }
  };
}
