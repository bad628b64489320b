// The gateway's middleware built from its config, in the one order that makes sense (ARCHITECTURE.md, "The
// pipeline"): tracing → metrics → audit → access → tenant quota → rate limit → cache → dedup → breaker → retry →
// timeout → forward. Each concern adds its slot here; `gateway.use()` adds caller-supplied middleware after these.
import type { Logger, Middleware } from '../core/index.js';
import { type Metrics, metrics } from '../middleware/metrics.js';
import { requestLog } from '../middleware/request-log.js';
import { tracing } from '../middleware/tracing.js';
import { tracingWanted } from '../server/index.js';
import type { Catalog } from './catalog.js';
import { type GatewayConfig, observability } from './config/index.js';
import { LivePolicy } from './policy.js';
import type { GatewayResilience } from './resilience.js';

/** What pipeline stages may need from the gateway besides the config. */
export interface PipelineDeps {
  catalog: Catalog;
  /** The gateway's logger (the request log writes through it). */
  logger?: Logger;
  /** The gateway's metrics (absent: `metrics.enabled: false`); other stages may feed its hooks (cacheHit, …). */
  metrics?: Metrics;
  /** Registers cleanup (a store's connection) for when the gateway closes. */
  onClose?: (close: () => Promise<void>) => void;
  /** Registers what to apply when the gateway reloads its config. */
  onReload?: (apply: (next: GatewayConfig) => void) => void;
  /** Degradation, fallback, breaker, retry and timeout, reading the gateway's current config. */
  resilience?: GatewayResilience;
}

export function pipelineFromConfig(config: GatewayConfig, deps: PipelineDeps): Middleware[] {
  const o = observability(config);
  const policy = new LivePolicy(config.policy, deps.catalog);
  deps.onClose?.(() => policy.close());
  deps.onReload?.((next) => policy.update(next.policy));
  const stages: Array<Middleware | undefined> = [
    tracingWanted(o.tracing) ? tracing() : undefined,
    deps.metrics && metrics(deps.metrics),
    deps.logger && o.logging.requests !== 'off' ? requestLog({ logger: deps.logger, level: o.logging.requests, args: o.logging.arguments }) : undefined,
    // audit: one line, before the policy
    policy.middleware, // access → scopes → tenant quota → rate limit (src/gateway/policy.ts), reloadable
    deps.resilience?.stages.degradation,
    // cache, dedup: one line each
    deps.resilience?.stages.fallback,
    deps.resilience?.stages.breaker,
    deps.resilience?.stages.retry,
    deps.resilience?.stages.timeout,
  ];
  return stages.filter((m): m is Middleware => m !== undefined);
}
