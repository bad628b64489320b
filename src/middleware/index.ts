// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Middleware } from '../core/index.js';
import { requireAuth } from './auth/index.js';
import { Metrics, metrics } from './metrics.js';
import { tracing } from './tracing.js';
import { discardingTracer } from './tracing-discard.js';

export { type BreakerState, Metrics, type MetricsOptions, metrics, type UpstreamStatus } from './metrics.js';
export { type Ending, endedBy, endedWith, type Outcome } from './outcome.js';
export { type RequestLogLevel, type RequestLogOptions, requestLog } from './request-log.js';
export { stageSpan, TRACE_CONTEXT, type TracingOptions, tracing } from './tracing.js';

export { IDENTITY_META, type IdentityClaimsOptions, type IdentitySigning, identityClaims, signIdentity } from './identity-claims.js';
export * from './auth/index.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  return [
    // Spans recorded, attributed, propagated and batched as with an exporter; the exporter drops them.
    tracing({ tracer: discardingTracer(), propagator: new W3CTraceContextPropagator() }),
    metrics(new Metrics()),
    // The edge authenticates (the bench config has an API key); this refuses anyone who got in anonymously.
    requireAuth(),
  ];
}
