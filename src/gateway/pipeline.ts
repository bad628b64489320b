// The gateway's middleware built from its config, in the one order that makes sense (ARCHITECTURE.md, "The
// pipeline"): tracing → metrics → audit → access → tenant quota → rate limit → cache → dedup → breaker → retry →
// timeout → forward. Each concern adds its slot here; `gateway.use()` adds caller-supplied middleware after these.
import type { Logger, Middleware } from '../core/index.js';
import type { HttpRoute } from '../server/index.js';
import { cacheStages } from './cache-stage.js';
import type { Catalog } from './catalog.js';
import type { GatewayConfig } from './config/index.js';
import type { UpstreamChanges } from './upstream-changes.js';

/** What pipeline stages may need from the gateway besides the config. */
export interface PipelineDeps {
  catalog: Catalog;
  /** The gateway's HTTP routes: stages add their admin endpoints here. */
  routes: HttpRoute[];
  /** Upstream list changes, restarts and resource updates (the cache invalidates on them). */
  changes: UpstreamChanges;
  log: Logger;
  /** Cleanup to run when the gateway closes (store connections). */
  onClose(fn: () => Promise<void>): void;
}

export function pipelineFromConfig(config: GatewayConfig, deps: PipelineDeps): Middleware[] {
  const cached = cacheStages(config.cache, deps);
  const stages: Array<Middleware | undefined> = [
    // tracing, metrics, audit, access, quota, rate limit, cache, dedup, breaker, retry, timeout: one line each
    cached.cache,
    cached.dedup,
  ];
  return stages.filter((m): m is Middleware => m !== undefined);
}
