// The bench's "mcplex-full" list: every middleware, configured as a production gateway runs it, in pipeline order
// (bench/targets/mcplex-full.mjs adds it to a gateway; test/middleware/all-middleware.test.ts runs it in a server). Its own file, so loading the middleware layer loads none of its stores.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { type Middleware, silentLogger } from '../core/index.js';
import { FileAuditSpill } from '../stores/file/audit-spill.js';
import { MemoryCacheStore } from '../stores/memory/memory-cache-store.js';
import { SqliteAuditSink } from '../stores/sqlite/audit-sink.js';
import { access } from './access.js';
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
import { rateLimit } from './rate-limit.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { tracing } from './tracing.js';
import { discardingTracer } from './tracing-discard.js';

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

/** Every middleware (or those of `groups`), in pipeline order; each middleware that lands adds itself here. */
export function allMiddleware(groups: readonly MiddlewareGroup[] = MIDDLEWARE_GROUPS, opts: AllMiddlewareOptions = {}): Middleware[] {
  // The audit log as the gateway's default runs it: a SQLite file (WAL, synced commits) with a spill file beside it.
  const dir = opts.auditDir ?? join(tmpdir(), `mcplex-bench-audit-${process.pid}-${Date.now()}`);
  // Cache on its miss path: echo is cached (the bench varies its text, so every call misses and is stored);
  // sleep is not, so its latency figure stays a real call.
  const cached = cache({ store: new MemoryCacheStore(), toolTtlMs: (tool) => (tool.endsWith('echo') ? 60_000 : undefined) });
  const builtIn = opts.inGateway === true;
  const stages: Array<[MiddlewareGroup, Middleware | false]> = [
    // Spans recorded, attributed, propagated and batched as with an exporter; the exporter drops them.
    ['observability', tracing({ tracer: discardingTracer(), propagator: new W3CTraceContextPropagator() })],
    ['observability', metrics(new Metrics())],
    // The request log with its line built for every request (as `logging.requests: info`), written nowhere.
    ['observability', requestLog({ logger: silentLogger, level: 'info' })],
    ['observability', audit({ sink: new SqliteAuditSink({ path: join(dir, 'audit.db') }), spill: new FileAuditSpill(join(dir, 'audit.db.spill.jsonl')) })],
    // The edge authenticates (the bench config has an API key); this refuses anyone who got in anonymously.
    ['security', requireAuth()],
    // Access control as production runs it (a role map, a capability match per request and per listed item),
    // granting everything so the bench is never refused; a rate limit per principal far above the bench's rate.
    ['security', access({ everyone: [{ resource: '*', actions: ['*'] }] })],
    ['security', requiredScopes([{ resource: 'tool:*', scopes: ['tools'] }])],
    ['security', quota({ tenants: { bench: { calls: { limit: 1_000_000_000, windowMs: 1_000 }, concurrent: 100_000 } } })],
    ['security', rateLimit({ rules: [{ per: ['principal'], limit: 1_000_000, windowMs: 1_000 }] })],
    // Degradation and fallback consulted on every call, as the gateway's defaults (normal mode, no fallbacks).
    ['resilience', !builtIn && degradation({ policy: () => ({ mode: 'normal', disabledTools: [] }) })],
    ['resilience', cached],
    ['resilience', dedup({ policy: cached.policy })],
    ['resilience', !builtIn && fallback({ rule: () => undefined })],
    // Resilience: breaker → retry → timeout, with the gateway's defaults (5 failures open; 2 retries; 60 s).
    ['resilience', !builtIn && circuitBreaker()],
    ['resilience', !builtIn && retry()],
    ['resilience', !builtIn && timeout({ timeoutMs: () => 60_000 })],
  ];
  return stages.filter(([group, mw]) => mw !== false && groups.includes(group)).map(([, mw]) => mw as Middleware);
}
