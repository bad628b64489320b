// Public surface of the middleware layer: one concern per file, each a factory returning a `Middleware`.

export { type BreakerState, Metrics, type MetricsOptions, metrics, type UpstreamStatus } from './metrics.js';
export { type OperationMetricsMiddleware, type OperationMetricsOptions, operationDurations, operationMetrics } from './operation-metrics.js';
export { type Ending, endedBy, endedWith, type Outcome } from './outcome.js';
export { type RequestLogLevel, type RequestLogOptions, requestLog } from './request-log.js';
export { stageSpan, TRACE_CONTEXT, type TracingOptions, tracing } from './tracing.js';

export { IDENTITY_META, type IdentityClaimsOptions, type IdentitySigning, identityClaims, signIdentity } from './identity-claims.js';
export * from './auth/index.js';
export { access, type AccessOptions, type AccessPolicy, type ArgumentRule, type Capability, type Constraints } from './access.js';
export { type EndpointView, type EndpointViews, type EndpointViewsMiddleware, endpointViews } from './endpoint-views.js';
export { type ArgumentsAction, type ResultsAction, type SecretScanMiddleware, type SecretScanOptions, secretScan } from './secret-scan.js';
export { HIDDEN_TEXT, type HiddenResultsAction, type HiddenTextDeps, type HiddenTextMiddleware, type HiddenTextOptions, hiddenText } from './hidden-text.js';
export { quota, type QuotaOptions, type TenantQuota } from './quota.js';
export { CHARGED_METHODS, rateLimit, type RateKeyPart, type RateLimitOptions, type RateLimitRule } from './rate-limit.js';
export { rateLimited, type RetryHint } from './rate-limited.js';
export { type InsufficientScope, checkScopes, requiredScopes, type ScopeRule } from './scopes.js';
export type { Action as PolicyAction, ChangeAudience, Hears, Item as PolicyItem, ItemKind as PolicyItemKind, OwnerOf } from './policy-target.js';

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
