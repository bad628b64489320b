// The gateway's middleware built from its config, in the one order that makes sense (ARCHITECTURE.md, "The
// pipeline"): tracing → metrics → audit → access → tenant quota → rate limit → cache → dedup → breaker → retry →
// timeout → forward. Each concern adds its slot here; `gateway.use()` adds caller-supplied middleware after these.
import type { Middleware } from '../core/index.js';
import type { Catalog } from './catalog.js';
import type { GatewayConfig } from './config/index.js';
import type { GatewayResilience } from './resilience.js';

/** What pipeline stages may need from the gateway besides the config. */
export interface PipelineDeps {
  catalog: Catalog;
  /** Degradation, fallback, breaker, retry and timeout, reading the gateway's current config. */
  resilience?: GatewayResilience;
}

export function pipelineFromConfig(config: GatewayConfig, deps: PipelineDeps): Middleware[] {
  void config;
  void deps;
  const stages: Array<Middleware | undefined> = [
    // tracing, metrics, audit, access, quota, rate limit, cache, dedup, breaker, retry, timeout: one line each
    deps.resilience?.stages.degradation,
    deps.resilience?.stages.fallback,
    deps.resilience?.stages.breaker,
    deps.resilience?.stages.retry,
    deps.resilience?.stages.timeout,
  ];
  return stages.filter((m): m is Middleware => m !== undefined);
}
