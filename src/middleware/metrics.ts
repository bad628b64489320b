// RED metrics per method, target and upstream: every request counted by outcome, timed, and held in an in-flight
// gauge while it runs. Label values are bounded: unknown or excess target names count as `other`.
import { type CallContext, ErrorCode, type Middleware, UPSTREAM_NAME } from '../core/index.js';
import { CACHE_STATUS } from './cache.js';
import { HIDDEN_TEXT } from './hidden-text.js';
import { Metrics, type MetricsOptions } from './metrics-registry.js';
import { type Ending, observed } from './outcome.js';

export { type BreakerState, Metrics, type MetricsOptions, type UpstreamStatus } from './metrics-registry.js';

/** Errors that mean "no such tool/prompt/resource/method": the name a caller sent says nothing about us. */
const UNKNOWN = new Set<number>([ErrorCode.InvalidParams, ErrorCode.MethodNotFound, ErrorCode.ResourceNotFound]);

/** Known methods are few (the spec's); anything else is one label value. */
const METHOD = /^(initialize|ping|server\/discover|subscriptions\/listen|completion\/complete|logging\/setLevel|(tools|prompts|resources|resources\/templates)\/\w+|tasks\/\w+)$/;

/** `method` as a bounded label value: the spec's methods as they are, anything else `other`. */
export const methodLabel = (method: string) => (METHOD.test(method) ? method : 'other');

/** Chooses bounded label values for targets: a name is kept if it is known and there is room, else `other`. */
export function targetLabels(opts: Pick<MetricsOptions, 'maxTargets' | 'knownTarget'>): (ctx: CallContext, ending: Ending) => string {
  const seen = new Set<string>();
  const max = opts.maxTargets ?? 200;
  const known = opts.knownTarget;
  return (ctx, ending) => {
    const t = ctx.target;
    if (t === undefined) return '';
    if (seen.has(t)) return t;
    const exists = known ? known(ctx.method, t) : !(ending.outcome === 'error' && UNKNOWN.has(ending.code ?? 0));
    if (!exists || seen.size >= max) return 'other';
    seen.add(t);
    return t;
  };
}

/** Counts, times and tracks in flight every request through `m` (one Metrics per server or gateway). */
export function metrics(m: Metrics = new Metrics()): Middleware {
  const targetOf = targetLabels(m.options);
  // Not async: it returns observed()'s promise itself (an async wrapper would add a promise and two turns a request).
  return function metricsMiddleware(ctx, next) {
    const method = methodLabel(ctx.method);
    m.started(method);
    return observed(ctx, next, (e, ms) => {
      m.ended({ method, target: targetOf(ctx, e), upstream: ctx.state.get(UPSTREAM_NAME) ?? '', outcome: e.outcome, principal: ctx.principal.id, era: ctx.era, endpoint: ctx.endpoint, seconds: ms / 1000 });
      const cached = ctx.state.get(CACHE_STATUS);
      if (cached === 'hit') m.cacheHit(method);
      else if (cached === 'miss') m.cacheMiss(method);
      if (e.code === ErrorCode.RateLimited) m.rateLimited(method, e.limit ?? 'rate');
      const hidden = ctx.state.get(HIDDEN_TEXT);
      if (hidden) m.hiddenText(method, ctx.state.get(UPSTREAM_NAME) ?? '', hidden.action);
      if (e.outcome === 'ok' && (method === 'initialize' || method === 'server/discover')) m.clients.inc({ era: ctx.era });
    });
  };
}
