// The gateway's middleware built from its config, in the one order that makes sense (ARCHITECTURE.md, "The
// pipeline"): tracing → metrics (Prometheus, then OTLP) → audit → endpoint views → access → tenant quota → rate
// limit → cache → dedup → secret scan → hidden text → breaker → retry → timeout → forward. Each concern adds its
// slot here; `gateway.use()` adds caller-supplied middleware after these.
import type { Logger, Middleware } from '../core/index.js';
import { endpointViews } from '../middleware/endpoint-views.js';
import type { OwnerOf } from '../middleware/policy-target.js';
import { hiddenText } from '../middleware/hidden-text.js';
import { secretScan } from '../middleware/secret-scan.js';
import { type Metrics, metrics } from '../middleware/metrics.js';
import { operationMetrics } from '../middleware/operation-metrics.js';
import { requestLog } from '../middleware/request-log.js';
import { tracing } from '../middleware/tracing.js';
import { type HttpRoute, metricsWanted, tracingWanted } from '../server/index.js';
import { LiveCache } from './cache-stage.js';
import type { Catalog } from './catalog.js';
import { type GatewayConfig, observability } from './config/index.js';
import { HIDDEN_TEXT_DEFAULTS } from './config/hidden-text.js';
import { knownTarget } from './gateway-metrics.js';
import { catalogOwner, LivePolicy } from './policy.js';
import type { RelayGuard } from './relay.js';
import type { AdminChanges } from './admin-changes.js';
import type { GatewayResilience } from './resilience.js';
import type { UpstreamChanges } from './upstream-changes.js';
import { upstreamPeers } from './upstream-peers.js';

/** What pipeline stages may need from the gateway besides the config. */
export interface PipelineDeps {
  catalog: Catalog;
  /** The gateway's logger (the request log and stages write through it). */
  logger: Logger;
  /** The gateway's metrics (absent: `metrics.enabled: false`); other stages may feed its hooks (cacheHit, …). */
  metrics?: Metrics;
  /** The gateway's HTTP routes: stages add their admin endpoints here. */
  routes: HttpRoute[];
  /** Where stages' admin changes are made (on every replica with `cluster:`); absent: here alone. */
  adminChanges?: AdminChanges;
  /** Upstream list changes, restarts and resource updates (the cache invalidates on them). */
  changes: UpstreamChanges;
  /** Registers cleanup (a store's connection) for when the gateway closes. */
  onClose(close: () => Promise<void>): void;
  /** Registers what to apply when the gateway reloads its config. */
  onReload?: (apply: (next: GatewayConfig) => void) => void;
  /** Degradation, fallback, breaker, retry and timeout, reading the gateway's current config. */
  resilience?: GatewayResilience;
  /** The audit log's slot (the gateway's LiveAudit: it also records relayed requests, reloads and drains on close). */
  audit?: Middleware;
  /** The protocol revision an upstream's current connection negotiated (on its CLIENT spans and client metrics). */
  upstreamVersion?: (upstream: string) => string | undefined;
  /** Where server→client requests are relayed: the secret scan sees them there too. */
  relay?: { guard: RelayGuard | undefined };
}

export function pipelineFromConfig(config: GatewayConfig, deps: PipelineDeps): Middleware[] {
  const o = observability(config);
  const policy = new LivePolicy(config.policy, deps.catalog, deps.logger);
  deps.onClose(() => policy.close());
  deps.onReload?.((next) => policy.update(next.policy));
  // Always in the pipeline (without a `cache:` section it costs one check), so a reload can add, change or remove it.
  // `lastGood` fallbacks keep their results in its store: with Redis, every replica can answer with them.
  const cached = new LiveCache(config.cache, { ...deps, onStore: (store) => deps.resilience?.useStore(store) });
  // Always in the pipeline (at `off` it costs one check), so a reload can turn the lines on and off.
  const requests = requestLog({ logger: deps.logger, level: o.logging.requests, args: o.logging.arguments });
  deps.onReload?.((next) => {
    const { logging } = observability(next);
    requests.configure({ level: logging.requests, args: logging.arguments });
  });
  const ownerOf = catalogOwner(deps.catalog);
  const views = endpointStage(config, deps, ownerOf);
  // Always in the pipeline (without a `secretScan:` section it costs one check), so a reload can turn it on and off.
  const OFF = { arguments: 'off', results: 'off' } as const;
  const secrets = secretScan(config.secretScan ?? OFF, { ownerOf });
  deps.onReload?.((next) => secrets.configure(next.secretScan ?? OFF));
  // Always in the pipeline (its default takes Unicode tag characters out of answers), reloadable.
  const hidden = hiddenText(config.hiddenText ?? HIDDEN_TEXT_DEFAULTS, { ownerOf, onRelayed: (upstream, method, action) => deps.metrics?.hiddenText(method, upstream, action) });
  deps.onReload?.((next) => hidden.configure(next.hiddenText ?? HIDDEN_TEXT_DEFAULTS));
  if (deps.relay) {
    deps.relay.guard = {
      // What an upstream asks of the caller's model: hidden text out first, then the secret scan.
      ask: (ask, send) => secrets.relayed({ ...ask, params: hidden.relayed(ask.upstream, ask.method, ask.params, deps.logger) }, send, deps.logger),
      answers: (upstream, responses) => secrets.relayedAnswers(upstream, responses, deps.logger),
      notice: (upstream, method, params) => hidden.relayed(upstream, method, params, deps.logger) ?? params,
    };
  }
  // How the gateway reaches each upstream, on its CLIENT spans and client operation metrics.
  const peerOf = upstreamPeers(config, deps.onReload, deps.upstreamVersion);
  const stages: Array<Middleware | undefined> = [
    tracingWanted(o.tracing) ? tracing({ peerOf }) : undefined,
    deps.metrics && metrics(deps.metrics),
    // Only when exported (the SDK is started in serve.ts): without it there is nothing to record into.
    metricsWanted({ enabled: o.metrics.otlp }) ? operationMetrics({ maxTargets: o.metrics.maxTargets, knownTarget: knownTarget(deps.catalog), peerOf }) : undefined,
    requests,
    deps.audit, // before the policy, so its refusals are recorded with their codes
    views, // what each named endpoint shows (`endpoints:`), reloadable
    policy.middleware, // access → scopes → tenant quota → rate limit (src/gateway/policy.ts), reloadable
    deps.resilience?.stages.degradation,
    cached.middleware, // cache → dedup (src/gateway/cache-stage.ts), reloadable
    secrets, // inside the cache: what it stores (and a fallback serves) has been scanned; reloadable
    hidden, // inside the secret scan: a secret split by hidden characters is whole again when it is scanned
    deps.resilience?.stages.fallback,
    deps.resilience?.stages.breaker,
    deps.resilience?.stages.retry,
    deps.resilience?.stages.timeout,
  ];
  return stages.filter((m): m is Middleware => m !== undefined);
}

/**
 * `endpoints:` — the paths are served from the start; a reload re-reads the views of those paths, and an endpoint
 * added, removed or moved keeps its old view until a restart (serve.ts warns), so no path ever shows more than
 * its config says.
 */
function endpointStage(config: GatewayConfig, deps: PipelineDeps, ownerOf: OwnerOf): Middleware | undefined {
  const served = config.endpoints;
  if (!served) return undefined;
  const views = endpointViews(served, { ownerOf });
  deps.onReload?.((next) => {
    views.configure(Object.fromEntries(Object.entries(served).map(([name, was]) => [name, next.endpoints?.[name]?.path === was.path ? next.endpoints[name]! : was])));
  });
  return views;
}
