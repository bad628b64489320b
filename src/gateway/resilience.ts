// The gateway's resilience wiring: resolves each call to its upstream and tool annotations for the resilience
// middleware, builds them from the current config (rebuilt on reload), runs health checks, and reports per upstream.
import { isDeepStrictEqual } from 'node:util';
import picomatch from 'picomatch';
import { Heartbeat } from '../client/heartbeat.js';
import type { Json, Upstream } from '../client/upstream.js';
import { type CacheStore, type CallContext, LATER_OUTCOME, type McpResult, type Middleware, stateKey } from '../core/index.js';
import { Breakers, breakerFailure, type CallTarget, circuitBreaker, type DegradationPolicy, degradation, fallback, type Mode, retry, timeout, type ToolAnnotations } from '../middleware/index.js';
import type { Catalog } from './catalog.js';
import type { GatewayConfig, ServerConfig } from './config/index.js';
import { Latencies } from './latency.js';

export interface ResilienceEntry {
  upstream: Upstream;
  config: ServerConfig;
}

/** Operator overrides from the admin API, on top of the config until the next reload. */
export interface ModeOverrides {
  mode?: Mode;
  disabledTools?: string[];
  servers: Record<string, { mode?: Mode; disabledTools?: string[] }>;
}

/** A request's resolved target, and which method and name it was resolved for. */
const CALL_TARGET = stateKey<{ method: string; name: string | undefined; target: CallTarget | undefined }>('mcplex.callTarget');

/** What part of the config the stages are built from; a reload that changes it rebuilds them. */
const shapeOf = (c: GatewayConfig) => [c.resilience ?? {}, Object.values(c.servers).map((s) => [s.name, s.breaker, s.retry])];

export class GatewayResilience {
  readonly latencies = new Latencies();
  overrides: ModeOverrides = { servers: {} };
  #stages!: { fallback: Middleware; breaker: Middleware & { breakers: Breakers }; retry: Middleware; timeout: Middleware; degradation: Middleware };
  #built: unknown;
  /** Where `lastGood` fallbacks keep results: the gateway's cache store when it has one (useStore), else memory. */
  #store: CacheStore | undefined;
  readonly #heartbeats = new Map<Upstream, Heartbeat>();
  /** Annotations by exposed tool name, rebuilt when the catalog's tool list is replaced. */
  #annotations = new WeakMap<Json[], Map<string, ToolAnnotations | undefined>>();

  constructor(
    private readonly catalog: Catalog,
    private readonly config: () => GatewayConfig,
    private readonly entries: () => Iterable<ResilienceEntry>,
    private readonly onToolsChanged: () => void,
  ) {
    this.#build();
  }

  /**
   * The upstream and annotations behind a call; undefined for what the gateway answers itself. Resolved once per
   * request (five stages and the terminal ask), kept in the request's own state: a long-lived WeakMap keyed by each
   * request kept every request through young-generation collections (bench/README.md, "GC"). A context copied
   * with another target (degradation filtering a list) shares that state, so the memo names what it was for.
   */
  readonly target = (ctx: CallContext): CallTarget | undefined => {
    const memo = ctx.state.get(CALL_TARGET);
    if (memo && memo.method === ctx.method && memo.name === ctx.target) return memo.target;
    const target = this.#resolve(ctx);
    ctx.state.set(CALL_TARGET, { method: ctx.method, name: ctx.target, target });
    return target;
  };

  #resolve(ctx: CallContext): CallTarget | undefined {
    const name = ctx.target ?? '';
    switch (ctx.method) {
      case 'tools/call': {
        const route = this.catalog.tool(name) ?? this.#formerRoute(name);
        return route && { key: route.upstream.name, name: route.name, annotations: this.#annotationsOf(name) };
      }
      case 'prompts/get': {
        const route = this.catalog.prompt(name);
        return route && { key: route.upstream.name, name: route.name };
      }
      case 'resources/read': {
        const owner = this.catalog.resourceOwner(name);
        return owner && { key: owner.name, name };
      }
      default:
        return undefined;
    }
  }

  #formerRoute(name: string) {
    const upstream = this.catalog.formerOwner('tools', name);
    return upstream && { upstream, name };
  }

  #annotationsOf(exposed: string): ToolAnnotations | undefined {
    const tools = this.catalog.tools;
    let map = this.#annotations.get(tools);
    if (!map) {
      map = new Map(tools.map((t) => [String(t.name), t.annotations as ToolAnnotations | undefined]));
      this.#annotations.set(tools, map);
    }
    return map.get(exposed);
  }

  #up(key: string): boolean {
    for (const e of this.entries()) if (e.config.name === key) return e.upstream.up;
    return false;
  }

  #server(key: string): ServerConfig | undefined {
    return this.config().servers[key];
  }

  #build(): void {
    const cfg = this.config();
    const r = cfg.resilience ?? {};
    this.#built = shapeOf(cfg);
    const target = this.target;
    const retryCfg = r.retry === false ? undefined : r.retry;
    const breakerCfg = r.breaker === false ? undefined : r.breaker;
    const breakerOpts = {
      ...breakerCfg,
      target: (ctx: CallContext) => {
        const t = target(ctx);
        return t && this.#server(t.key)?.breaker !== false && r.breaker !== false ? t : undefined;
      },
      perKey: (key: string) => {
        const own = this.#server(key)?.breaker;
        return own === false ? undefined : own;
      },
      whenOpen: breakerCfg?.whenOpen ?? 'show',
      // A server that is down (crashed, restarting) is the supervisor's business, and its calls already fail fast:
      // counting them would keep the circuit open for openMs after the server is back.
      isFailure: (err: unknown, key: string) => breakerFailure(err) && this.#up(key),
      toolOwner: (name: string) => this.catalog.tool(name)?.upstream.name,
      onChange: (key: string) => {
        if ((breakerCfg?.whenOpen ?? 'show') !== 'show') this.onToolsChanged();
        void key;
      },
    };
    const retryAllowed = (key: string) => r.retry !== false && this.#server(key)?.retry !== false;
    this.#stages = {
      degradation: degradation({ policy: () => this.#policy(), policyOf: (key) => this.#serverPolicy(key), target }),
      fallback: this.#fallback(r),
      breaker: circuitBreaker(breakerOpts, new Breakers(breakerOpts)),
      retry: retry({
        ...(retryCfg?.baseDelayMs !== undefined && { baseDelayMs: retryCfg.baseDelayMs }),
        ...(retryCfg?.maxDelayMs !== undefined && { maxDelayMs: retryCfg.maxDelayMs }),
        budget: { ...(retryCfg?.budgetRatio !== undefined && { ratio: retryCfg.budgetRatio }), ...(retryCfg?.budgetMinPerSecond !== undefined && { minPerSecond: retryCfg.budgetMinPerSecond }) },
        target: (ctx) => {
          const t = target(ctx);
          return t && retryAllowed(t.key) ? t : undefined;
        },
        retries: (_ctx, t) => {
          const own = this.#server(t.key)?.retry;
          return (own === false ? undefined : own?.retries) ?? retryCfg?.retries ?? 2;
        },
        alsoSafe: (ctx, t) => {
          const own = this.#server(t.key)?.retry;
          return ctx.method === 'tools/call' && own !== false && own?.tools !== undefined && picomatch.isMatch(t.name ?? '', own.tools);
        },
      }),
      timeout: timeout({
        timeoutMs: (ctx) => {
          const t = target(ctx);
          const server = t && this.#server(t.key);
          if (!server) return undefined;
          return (ctx.method === 'tools/call' && t.name !== undefined ? server.toolTimeouts?.[t.name] : undefined) ?? server.timeoutMs;
        },
        // The wording the gateway has always used for an upstream that does not answer.
        who: (ctx) => `Server '${target(ctx)?.key}'`,
        maxTotalMs: (ctx, ms) => {
          const t = target(ctx);
          return (t && this.#server(t.key)?.maxTimeoutMs) ?? 10 * ms;
        },
      }),
    };
  }

  #fallback(r: NonNullable<GatewayConfig['resilience']>): Middleware {
    return fallback({ rule: (tool) => r.fallbacks?.[tool] as never, ...(this.#store && { store: this.#store }) });
  }

  /** Where `lastGood` fallbacks keep results from now on; undefined: an LRU in this process. */
  useStore(store: CacheStore | undefined): void {
    this.#store = store;
    this.#stages.fallback = this.#fallback(this.config().resilience ?? {});
  }

  #policy(): DegradationPolicy {
    const r = this.config().resilience;
    return { mode: this.overrides.mode ?? r?.mode ?? 'normal', disabledTools: this.overrides.disabledTools ?? r?.disabledTools ?? [] };
  }

  #serverPolicy(key: string): Partial<DegradationPolicy> | undefined {
    const server = this.#server(key);
    const over = this.overrides.servers[key];
    const mode = over?.mode ?? server?.mode;
    const disabledTools = over?.disabledTools ?? server?.disabledTools;
    return { ...(mode && { mode }), ...(disabledTools && { disabledTools }) };
  }

  /** The pipeline stages, in pipeline order positions (see pipeline.ts); each delegates to the current build. */
  readonly stages = {
    degradation: ((ctx, next) => this.#stages.degradation(ctx, next)) as Middleware,
    fallback: ((ctx, next) => this.#stages.fallback(ctx, next)) as Middleware,
    breaker: ((ctx, next) => this.#stages.breaker(ctx, next)) as Middleware,
    retry: ((ctx, next) => this.#stages.retry(ctx, next)) as Middleware,
    timeout: ((ctx, next) => this.#stages.timeout(ctx, next)) as Middleware,
  };

  /** After start or reload: health checks follow the set of upstreams; stages are rebuilt if their config changed. */
  sync(): void {
    const cfg = this.config();
    if (!isDeepStrictEqual(shapeOf(cfg), this.#built)) this.#build();
    this.overrides = { servers: {} };
    const live = new Set<Upstream>();
    for (const { upstream, config } of this.entries()) {
      live.add(upstream);
      const wanted = config.healthCheck === false || cfg.resilience?.healthCheck === false ? undefined : { ...(cfg.resilience?.healthCheck || {}), ...(config.healthCheck || {}) };
      const running = this.#heartbeats.get(upstream);
      running?.stop();
      if (wanted) this.#heartbeats.set(upstream, new Heartbeat(upstream, wanted).start());
      else this.#heartbeats.delete(upstream);
    }
    for (const [upstream, beat] of this.#heartbeats) {
      if (live.has(upstream)) continue;
      beat.stop();
      this.#heartbeats.delete(upstream);
      this.latencies.forget(upstream.name);
    }
  }

  stop(): void {
    for (const beat of this.#heartbeats.values()) beat.stop();
    this.#heartbeats.clear();
  }

  /** Per-upstream detail for readiness and metrics. */
  detail(upstream: Upstream, config: ServerConfig) {
    const breaker = this.#stages.breaker.breakers.snapshot(upstream.name);
    const p50 = this.latencies.p50(upstream.name);
    const beat = this.#heartbeats.get(upstream)?.status();
    const forced = upstream.forcedRestarts;
    const own = this.#serverPolicy(upstream.name);
    return {
      required: config.required === true,
      breaker,
      ...(p50 !== undefined && { latencyP50Ms: p50 }),
      ...(beat && { healthCheck: beat }),
      ...(forced.count > 0 && { healthRestarts: forced.count, healthRestartReason: forced.reason }),
      ...(upstream.lastRestart && { lastRestart: upstream.lastRestart }),
      ...(own?.mode && own.mode !== 'normal' && { mode: own.mode }),
    };
  }

  /** The gateway-wide degradation now. */
  policy(): DegradationPolicy {
    return this.#policy();
  }

  /** Records one forwarded call's duration toward `upstream` (a call that became a task: until its work ends). */
  timed<T extends McpResult>(ctx: CallContext, upstream: string | undefined, run: () => Promise<T>): Promise<T> {
    if (!upstream) return run();
    const started = performance.now();
    return run().finally(() => {
      const later = ctx.state.get(LATER_OUTCOME);
      if (!later) return this.#record(upstream, started);
      const record = () => this.#record(upstream, started);
      later.outcome.then(record, record);
    });
  }

  #record(upstream: string, started: number): void {
    this.latencies.record(upstream, Math.round(performance.now() - started));
  }
}
