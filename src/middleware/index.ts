// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Middleware } from '../core/index.js';
import { FileAuditSpill } from '../stores/file/audit-spill.js';
import { MemoryCacheStore } from '../stores/memory/memory-cache-store.js';
import { SqliteAuditSink } from '../stores/sqlite/audit-sink.js';
import { access } from './access.js';
import { audit } from './audit.js';
import { requireAuth } from './auth/index.js';
import { cache } from './cache.js';
import { circuitBreaker } from './circuit-breaker/index.js';
import { dedup } from './dedup.js';
import { Metrics, metrics } from './metrics.js';
import { rateLimit } from './rate-limit.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { tracing } from './tracing.js';
import { discardingTracer } from './tracing-discard.js';

export { type BreakerState, Metrics, type MetricsOptions, metrics, type UpstreamStatus } from './metrics.js';
export { type Ending, endedBy, endedWith, type Outcome } from './outcome.js';
export { type RequestLogLevel, type RequestLogOptions, requestLog } from './request-log.js';
export { stageSpan, TRACE_CONTEXT, type TracingOptions, tracing } from './tracing.js';

export { IDENTITY_META, type IdentityClaimsOptions, type IdentitySigning, identityClaims, signIdentity } from './identity-claims.js';
export * from './auth/index.js';
export { access, type AccessOptions, type AccessPolicy, type ArgumentRule, type Capability, type Constraints } from './access.js';
export { quota, type QuotaOptions, type TenantQuota } from './quota.js';
export { CHARGED_METHODS, rateLimit, type RateKeyPart, type RateLimitOptions, type RateLimitRule } from './rate-limit.js';
export { rateLimited, type RetryHint } from './rate-limited.js';
export { type InsufficientScope, checkScopes, requiredScopes, type ScopeRule } from './scopes.js';
export type { Action as PolicyAction, Item as PolicyItem, ItemKind as PolicyItemKind, OwnerOf } from './policy-target.js';

export * from './circuit-breaker/index.js';
export * from './degradation.js';
export * from './fallback.js';
export * from './retry.js';
export * from './retry-budget.js';
export * from './target.js';
export * from './timeout.js';
export { CACHE_STATUS, type CacheMiddleware, type CacheOptions, type CacheStats, cache, type InvalidateSelector } from './cache.js';
export { type PartitionMode, partitionOf } from './cache-key.js';
export { type CachePolicy, type CachePolicyOptions, cachePolicy } from './cache-policy.js';
export { type DedupMiddleware, type DedupOptions, type DedupStats, dedup } from './dedup.js';
export { type AuditLog, type AuditMiddleware, type AuditOptions, audit, type RelayedAuditEvent } from './audit.js';
export { AuditQueue, type AuditMode, type AuditQueueOptions } from './audit-queue.js';

/**
 * Every middleware the bench's "mcplex-full" target runs, in pipeline order, configured as a production
 * gateway would run them. Each middleware that lands adds itself here (bench/targets/full-pipeline.ts reads it).
 */
export function allMiddleware(): Middleware[] {
  // The audit log as the gateway's default runs it: a SQLite file (WAL, synced commits) with a spill file beside it.
  const dir = join(tmpdir(), `mcplex-bench-audit-${process.pid}-${Date.now()}`);
  // Cache on its miss path: echo is cached (the bench varies its text, so every call misses and is stored);
  // sleep is not, so its latency figure stays a real call.
  const cached = cache({ store: new MemoryCacheStore(), toolTtlMs: (tool) => (tool.endsWith('echo') ? 60_000 : undefined) });
  return [
    // Spans recorded, attributed, propagated and batched as with an exporter; the exporter drops them.
    tracing({ tracer: discardingTracer(), propagator: new W3CTraceContextPropagator() }),
    metrics(new Metrics()),
    audit({ sink: new SqliteAuditSink({ path: join(dir, 'audit.db') }), spill: new FileAuditSpill(join(dir, 'audit.db.spill.jsonl')) }),
    // The edge authenticates (the bench config has an API key); this refuses anyone who got in anonymously.
    requireAuth(),
    // Access control as production runs it (a role map, a capability match per request and per listed item),
    // granting everything so the bench is never refused; a rate limit per principal far above the bench's rate.
    access({ everyone: [{ resource: '*', actions: ['*'] }] }),
    rateLimit({ rules: [{ per: ['principal'], limit: 1_000_000, windowMs: 1_000 }] }),
    cached,
    dedup({ policy: cached.policy }),
    // Resilience: breaker → retry → timeout, with the gateway's defaults (5 failures open; 2 retries; 60 s).
    circuitBreaker(),
    retry(),
    timeout({ timeoutMs: () => 60_000 }),
  ];
}
