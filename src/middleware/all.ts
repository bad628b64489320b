// The bench's "mcplex-full" list: every middleware, configured as a production gateway runs it, in pipeline order
// (bench/targets/mcplex-full.mjs adds it to a gateway; test/middleware/all-middleware.test.ts runs it in a server). Its own file, so loading the middleware layer loads none of its stores.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { type Middleware, silentLogger } from '../core/index.js';
import { FileAuditSpill } from '../stores/file/audit-spill.js';
import { MemoryCacheStore } from '../stores/memory/memory-cache-store.js';
import { SqliteAuditSink } from '../stores/sqlite/audit-sink.js';
import { access } from './access.js';
import { endpointViews } from './endpoint-views.js';
import { hiddenText } from './hidden-text.js';
import { secretScan } from './secret-scan.js';
import { degradation } from './degradation.js';
import { fallback } from './fallback.js';
import { quota } from './quota.js';
import { requestLog } from './request-log.js';
import { requiredScopes } from './scopes.js';
import { audit } from './audit.js';
import { requireAuth } from './auth/index.js';
import { cache } from './cache.js';
import { circuitBreaker } from './circuit-breaker/index.js';
import { dedup } from './dedup.js';
import { Metrics, metrics } from './metrics.js';
import { operationMetrics } from './operation-metrics.js';
import { rateLimit } from './rate-limit.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { tracing } from './tracing.js';
import { discardingTracer } from './tracing-discard.js';


/** A meter aggregating as an exporting SDK does (per attribute set), read by nobody: the export once a minute is not measured. */
function unreadMeter(): Meter {
  class Unread extends MetricReader {
    protected async onForceFlush(): Promise<void> {}
    protected async onShutdown(): Promise<void> {}
  }
  return new MeterProvider({ readers: [new Unread()] }).getMeter('mcplex');
}

/** The concerns the bench can measure apart (issue by issue): security, observability, resilience and cache. */
export type MiddlewareGroup = 'security' | 'observability' | 'resilience';
export const MIDDLEWARE_GROUPS: readonly MiddlewareGroup[] = ['observability', 'security', 'resilience'];

export interface AllMiddlewareOptions {
  /**
   * For a gateway, whose own pipeline already runs degradation, fallback, breaker, retry and timeout on every call
   * (src/gateway/pipeline.ts, on by default): leave those out rather than run them twice.
   */
  inGateway?: boolean;
  /** Where the audit log's SQLite file and spill file go; default a new directory in the OS temp dir. */
  auditDir?: string;
}

/**
 * Every middleware (or those of `groups`), in pipeline order; each middleware that lands adds itself here. `groups`
 * may also name single pieces (`tracing`, `metrics`, `request-log`, `audit`, `cache`, …: the names below), to
 * measure one apart.
 */
export function allMiddleware(groups: readonly string[] = MIDDLEWARE_GROUPS, opts: AllMiddlewareOptions = {}): Middleware[] {
  // The audit log as the gateway's default runs it: a SQLite file (WAL, synced commits) with a spill file beside it.
  const dir = opts.auditDir ?? join(tmpdir(), `mcplex-bench-audit-${process.pid}-${Date.now()}`);
  // Cache on its miss path: echo is cached (the bench varies its text, so every call misses and is stored);
  // sleep is not, so its latency figure stays a real call.
  let cached: ReturnType<typeof cache> | undefined;
  const cachedOnce = () => (cached ??= cache({ store: new MemoryCacheStore(), toolTtlMs: (tool) => (tool.endsWith('echo') ? 60_000 : undefined) }));
  const builtIn = opts.inGateway === true;
  // Each made only when chosen (the audit log opens a file and a writer thread).
  const stages: Array<[MiddlewareGroup | 'yardstick', string, false | (() => Middleware)]> = [
    // Spans recorded, attributed, propagated and batched as with an exporter; the exporter drops them.
    ['observability', 'tracing', () => tracing({ tracer: discardingTracer(), propagator: new W3CTraceContextPropagator() })],
    // Chosen only by name (the `mcplex-tracing-sdk` yardstick): the same middleware with the SDK's own spans.
    ['yardstick', 'tracing-sdk', () => tracing({ tracer: discardingTracer('sdk'), propagator: new W3CTraceContextPropagator() })],
    ['observability', 'metrics', () => metrics(new Metrics())],
    // The MCP semantic conventions' duration histogram, as with OTLP metrics on (`metrics.otlp`).
    ['observability', 'otlp-metrics', () => operationMetrics({ meter: unreadMeter() })],
    // The request log with its line built for every request (as `logging.requests: info`), written nowhere.
    ['observability', 'request-log', () => requestLog({ logger: silentLogger, level: 'info' })],
    ['observability', 'audit', () => audit({ sink: new SqliteAuditSink({ path: join(dir, 'audit.db') }), spill: new FileAuditSpill(join(dir, 'audit.db.spill.jsonl')) })],
    // The edge authenticates (the bench config has an API key); this refuses anyone who got in anonymously.
    ['security', 'require-auth', () => requireAuth()],
    // Access control as production runs it (a role map, a capability match per request and per listed item),
    // granting everything so the bench is never refused; a rate limit per principal far above the bench's rate.
    // A view for a named endpoint the bench does not call: what requests on the main path pay (one lookup).
    ['security', 'endpoint-views', () => endpointViews({ bench: { include: ['server:bench'] } })],
    // Secrets in arguments and results (the bench's are short: the cheap pre-check, not the rules, runs).
    ['security', 'secret-scan', () => secretScan()],
    // Hidden text in answers, as the gateway's default (tag characters taken out; the bench's answers have none);
    // a gateway runs its own already.
    ['security', 'hidden-text', !builtIn && (() => hiddenText())],
    ['security', 'access', () => access({ everyone: [{ resource: '*', actions: ['*'] }] })],
    ['security', 'scopes', () => requiredScopes([{ resource: 'tool:*', scopes: ['tools'] }])],
    ['security', 'quota', () => quota({ tenants: { bench: { calls: { limit: 1_000_000_000, windowMs: 1_000 }, concurrent: 100_000 } } })],
    ['security', 'rate-limit', () => rateLimit({ rules: [{ per: ['principal'], limit: 1_000_000, windowMs: 1_000 }] })],
    // Degradation and fallback consulted on every call, as the gateway's defaults (normal mode, no fallbacks).
    ['resilience', 'degradation', !builtIn && (() => degradation({ policy: () => ({ mode: 'normal', disabledTools: [] }) }))],
    ['resilience', 'cache', () => cachedOnce()],
    ['resilience', 'dedup', () => dedup({ policy: cachedOnce().policy })],
    ['resilience', 'fallback', !builtIn && (() => fallback({ rule: () => undefined }))],
    // Resilience: breaker → retry → timeout, with the gateway's defaults (5 failures open; 2 retries; 60 s).
    ['resilience', 'breaker', !builtIn && (() => circuitBreaker())],
    ['resilience', 'retry', !builtIn && (() => retry())],
    ['resilience', 'timeout', !builtIn && (() => timeout({ timeoutMs: () => 60_000 }))],
  ];
  const chosen = stages.filter(([group, name, make]) => make !== false && (groups.includes(group) || groups.includes(name)));
  return chosen.map(([, , make]) => (make as () => Middleware)());
}
