// The gateway's middleware built from its config, in the one order that makes sense (ARCHITECTURE.md, "The
// pipeline"): tracing → metrics → audit → access → tenant quota → rate limit → cache → dedup → breaker → retry →
// timeout → forward. Each concern adds its slot here; `gateway.use()` adds caller-supplied middleware after these.
import type { Middleware } from '../core/index.js';
import type { AuditMiddleware } from '../middleware/audit.js';
import type { Catalog } from './catalog.js';
import type { GatewayConfig } from './config/index.js';

/** What pipeline stages may need from the gateway besides the config. */
export interface PipelineDeps {
  catalog: Catalog;
  /** The audit log the gateway opened from `config.audit` (it also records relayed requests and drains on close). */
  audit?: AuditMiddleware;
}

export function pipelineFromConfig(config: GatewayConfig, deps: PipelineDeps): Middleware[] {
  void config;
  void deps;
  const stages: Array<Middleware | undefined> = [
    // tracing, metrics, audit, access, quota, rate limit, cache, dedup, breaker, retry, timeout: one line each
    deps.audit,
  ];
  return stages.filter((m): m is Middleware => m !== undefined);
}
