// The gateway's middleware built from its config, in the one order that makes sense (ARCHITECTURE.md, "The
// pipeline"): tracing → metrics → audit → access → tenant quota → rate limit → cache → dedup → breaker → retry →
// timeout → forward. Each concern adds its slot here; `gateway.use()` adds caller-supplied middleware after these.
import type { Middleware } from '../core/index.js';
import type { Catalog } from './catalog.js';
import type { GatewayConfig } from './config/index.js';
import { LivePolicy } from './policy.js';

/** What pipeline stages may need from the gateway besides the config. */
export interface PipelineDeps {
  catalog: Catalog;
  /** Registers cleanup (a store's connection) for when the gateway closes. */
  onClose?: (close: () => Promise<void>) => void;
  /** Registers what to apply when the gateway reloads its config. */
  onReload?: (apply: (next: GatewayConfig) => void) => void;
}

export function pipelineFromConfig(config: GatewayConfig, deps: PipelineDeps): Middleware[] {
  const policy = new LivePolicy(config.policy, deps.catalog);
  deps.onClose?.(() => policy.close());
  deps.onReload?.((next) => policy.update(next.policy));
  const stages: Array<Middleware | undefined> = [
    // tracing, metrics, audit: one line each, before the policy
    policy.middleware, // access → scopes → tenant quota → rate limit (src/gateway/policy.ts), reloadable
    // cache, dedup, breaker, retry, timeout: one line each
  ];
  return stages.filter((m): m is Middleware => m !== undefined);
}
