// In-flight dedup (singleflight): identical concurrent cacheable calls from the same partition share one call
// downstream; followers get their own copy of its result (or its error).
import type { McpResult, Middleware } from '../core/context.js';
import { PARAM_HEADER_CHECK } from '../core/param-header-check.js';
import { type CachePolicy, type CachePolicyOptions, cachePolicy } from './cache-policy.js';

export interface DedupOptions extends CachePolicyOptions {
  /** The cache's policy, so both agree on what is shareable and under which key (`cache(…).policy`). */
  policy?: CachePolicy;
}

export interface DedupStats {
  /** Calls that went downstream. */
  leaders: number;
  /** Calls answered by a leader's result. */
  followers: number;
  /** Distinct calls in flight now. */
  inflight: number;
}

export interface DedupMiddleware extends Middleware {
  stats(): DedupStats;
}

interface Flight {
  result: Promise<McpResult>;
  signal: AbortSignal;
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts (the follower's caller gave up). */
function until<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function dedup(opts: DedupOptions = {}): DedupMiddleware {
  const policy = opts.policy ?? cachePolicy(opts);
  const flights = new Map<string, Flight>();
  const counts = { leaders: 0, followers: 0 };

  const middleware: Middleware = async function dedupMiddleware(ctx, next) {
    const decision = policy(ctx);
    // Lists are answered locally by servers and gateways alike; only calls and reads are worth sharing.
    if (!decision || (decision.hinted && ctx.method !== 'resources/read')) return next();
    const flight = flights.get(decision.key);
    if (flight) {
      // This call's own Mcp-Param headers are checked as the terminal would have (-32020 when they disagree).
      ctx.state.get(PARAM_HEADER_CHECK)?.(ctx);
      counts.followers++;
      try {
        const shared = await until(flight.result, ctx.signal);
        // Not an answer but a task or a question (a 2026-era round): the leader's own, so this call runs by itself.
        if (shared.resultType !== undefined && shared.resultType !== 'complete') return next();
        return structuredClone(shared);
      } catch (err) {
        // The leader's own caller cancelled it: that says nothing about this call, which runs by itself.
        if (flight.signal.aborted && !ctx.signal.aborted) return next();
        throw err;
      }
    }
    counts.leaders++;
    const result = next();
    const mine: Flight = { result, signal: ctx.signal };
    flights.set(decision.key, mine);
    try {
      return await result;
    } finally {
      if (flights.get(decision.key) === mine) flights.delete(decision.key);
    }
  };

  return Object.assign(middleware, { stats: () => ({ ...counts, inflight: flights.size }) });
}
