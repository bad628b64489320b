// The Prometheus instruments mcplex exposes (prom-client), and the hooks other concerns call to feed them: cache
// hits and misses, rate-limit refusals, circuit-breaker state, upstream health read at scrape time.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditState } from './audit.js';
import type { BreakerState } from './circuit-breaker/breaker.js';

export interface MetricsOptions {
  /** Default: a registry of its own (so two servers in one process never collide). */
  registry?: Registry;
  /** Node process metrics (CPU, memory, event loop lag, GC); default true. */
  processMetrics?: boolean;
  /** Label requests with the caller's principal id (unbounded: only with few principals); default false. */
  principalLabel?: boolean;
  /** Most distinct `target` label values; later new names count as `other`. Default 200. */
  maxTargets?: number;
  /** Whether a target names something that exists (unknown names become `other`). Default: the request did not fail as unknown. */
  knownTarget?: (method: string, target: string) => boolean;
  /** Histogram buckets in seconds. */
  buckets?: number[];
}

/** What `upstreams()` reads at scrape time, per upstream (the gateway's health()). */
export interface UpstreamStatus {
  name: string;
  state: string;
  restarts: number;
  /** Its circuit breaker, where the server runs one (the gateway's health detail). */
  breaker?: { state: BreakerState };
}

export type { BreakerState };
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type Labels = Record<string, string>;

/**
 * Per-request counts kept in a plain map and handed to prom-client at each scrape (its `collect` hook): a
 * prom-client inc/dec hashes and validates its labels every time, and a request made five of them.
 */
class Tally {
  readonly #rows = new Map<string, { labels: Labels; n: number }>();

  /** Adds `by` to the row `key` names (its label values, joined); `labels` builds the row the first time. */
  add(key: string, labels: () => Labels, by = 1): void {
    const row = this.#rows.get(key);
    if (row) row.n += by;
    else this.#rows.set(key, { labels: labels(), n: by });
  }

  /** At a scrape: the counter's (or gauge's) series, from the rows. */
  into(metric: Counter | Gauge): void {
    metric.reset();
    for (const { labels, n } of this.#rows.values()) {
      if (metric instanceof Counter) metric.inc(labels, n);
      else metric.set(labels, n);
    }
  }
}

export class Metrics {
  readonly registry: Registry;
  readonly options: Readonly<Omit<MetricsOptions, 'registry'>>;
  readonly duration: Histogram;
  readonly clients: Counter;
  readonly #requests = new Tally();
  readonly #inflight = new Tally();
  readonly #byEra = new Tally();
  readonly #byEndpoint = new Tally();
  readonly #cache = new Tally();
  readonly #rateLimited = new Tally();
  readonly #authRefused = new Tally();
  readonly #hiddenText = new Tally();
  readonly #breaker: Gauge;
  #upstreams: (() => readonly UpstreamStatus[]) | undefined;
  #tasks: (() => Readonly<Record<string, number>>) | undefined;
  #audit: (() => AuditState | undefined) | undefined;
  readonly #sessionCounts = new Set<() => number>();

  constructor(opts: MetricsOptions = {}) {
    this.registry = opts.registry ?? new Registry();
    const registers = [this.registry];
    this.options = opts;
    const labels = ['method', 'target', 'upstream', 'outcome', ...(opts.principalLabel ? ['principal'] : [])];
    const tallied = (tally: Tally) =>
      function collect(this: Counter | Gauge) {
        tally.into(this);
      };
    new Counter({ name: 'mcp_requests_total', help: 'MCP requests by method, target (tool, prompt, resource), upstream and outcome', labelNames: labels, registers, collect: tallied(this.#requests) });
    this.duration = new Histogram({
      name: 'mcp_request_duration_seconds',
      help: 'Time from entering the pipeline to its answer',
      labelNames: ['method', 'target', 'upstream'],
      buckets: opts.buckets ?? DEFAULT_BUCKETS,
      registers,
    });
    new Gauge({ name: 'mcp_requests_in_flight', help: 'MCP requests inside the pipeline now', labelNames: ['method'], registers, collect: tallied(this.#inflight) });
    new Counter({ name: 'mcp_endpoint_requests_total', help: 'MCP requests on named endpoints (more MCP paths), by endpoint and outcome', labelNames: ['endpoint', 'outcome'], registers, collect: tallied(this.#byEndpoint) });
    new Counter({ name: 'mcp_requests_by_era_total', help: 'MCP requests by protocol era (legacy: 2025 sessions, modern: 2026-07-28 stateless)', labelNames: ['era'], registers, collect: tallied(this.#byEra) });
    this.clients = new Counter({ name: 'mcp_sessions_total', help: 'Sessions opened (legacy: initialize) and 2026-era clients discovering (server/discover), by era', labelNames: ['era'], registers });
    new Counter({ name: 'mcp_cache_requests_total', help: 'Cache lookups by method and result (hit, miss)', labelNames: ['method', 'result'], registers, collect: tallied(this.#cache) });
    new Counter({ name: 'mcp_rate_limited_total', help: 'Requests refused by a rate limit or quota', labelNames: ['method', 'limit'], registers, collect: tallied(this.#rateLimited) });
    new Counter({
      name: 'mcp_auth_refusals_total',
      help: 'HTTP requests refused for their credentials before the pipeline, by status and error (none: no credentials sent; too_many_refusals: 429, the client address is over auth.refusalLimit)',
      labelNames: ['status', 'error'],
      registers,
      collect: tallied(this.#authRefused),
    });
    new Counter({
      name: 'mcp_hidden_text_total',
      help: 'Answers (and sampling or elicitation requests relayed toward the caller) that held text hidden from people (Unicode tag characters, …), by method, upstream and action (removed, logged)',
      labelNames: ['method', 'upstream', 'action'],
      registers,
      collect: tallied(this.#hiddenText),
    });
    const self = this;
    new Gauge({
      name: 'mcp_sessions_active',
      help: '2025-era sessions open now, over every HTTP listener counting into these metrics',
      labelNames: ['era'],
      registers,
      collect() {
        let open = 0;
        for (const read of self.#sessionCounts) open += read();
        this.set({ era: 'legacy' }, open);
      },
    });
    this.#breaker = new Gauge({
      name: 'mcp_upstream_breaker_state',
      help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
      labelNames: ['upstream'],
      registers,
      // Read from upstream status at each scrape where it carries breakers (the gateway); else as breakerState() set it.
      collect() {
        for (const u of self.#upstreams?.() ?? []) if (u.breaker) this.set({ upstream: u.name }, BREAKER_VALUE[u.breaker.state]);
      },
    });
    new Gauge({
      name: 'mcp_upstream_up',
      help: 'Whether the upstream server is connected (1) or not (0)',
      labelNames: ['upstream', 'state'],
      registers,
      collect() {
        this.reset();
        for (const u of self.#upstreams?.() ?? []) this.set({ upstream: u.name, state: u.state }, u.state === 'up' ? 1 : 0);
      },
    });
    new Counter({
      name: 'mcp_upstream_restarts_total',
      help: 'Times the upstream server was restarted or reconnected by its supervisor',
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const u of self.#upstreams?.() ?? []) this.inc({ upstream: u.name }, u.restarts);
      },
    });
    new Gauge({
      name: 'mcp_tasks',
      help: 'Tasks kept now (the tasks extension), by status: working, input_required, completed, failed, cancelled',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        for (const [status, n] of Object.entries(self.#tasks?.() ?? {})) this.set({ status }, n);
      },
    });
    // The audit log's store, read at each scrape; labelled by sink, so that without an audit log there is no series
    // at all (prom-client would show an unlabelled gauge as 0).
    const auditGauges: Array<[string, string, (s: AuditState) => number]> = [
      ['mcp_audit_store_up', 'Whether the audit store takes records (1) or its last write failed and records spill to the local file (0)', (s) => (s.store === 'up' ? 1 : 0)],
      ['mcp_audit_backlog', 'Audit records not yet in the store: queued in memory, or spilled to the local file while it is down', (s) => s.backlog],
    ];
    for (const [name, help, value] of auditGauges) {
      new Gauge({
        name,
        help,
        labelNames: ['sink'],
        registers,
        collect() {
          this.reset();
          const state = self.#audit?.();
          if (state) this.set({ sink: state.sink }, value(state));
        },
      });
    }
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Reads the audit log's state at each scrape (none: no series). */
  audit(read: () => AuditState | undefined): void {
    this.#audit = read;
  }

  /** Reads the tasks kept now, by status, at each scrape (a task registry's counts). */
  tasks(read: () => Readonly<Record<string, number>>): void {
    this.#tasks = read;
  }

  /** A request entered the pipeline (`method` is already a bounded label value). */
  started(method: string): void {
    this.#inflight.add(method, () => ({ method }));
  }

  /**
   * A request ended: counted by method, target, upstream, outcome (and principal, with `principalLabel`), by era,
   * by named endpoint (requests on one), and timed. Label values must already be bounded (see metrics.ts; endpoint
   * names come from the serving options).
   */
  ended(r: { method: string; target: string; upstream: string; outcome: string; principal?: string; era: string; endpoint?: string; seconds: number }): void {
    this.#inflight.add(r.method, () => ({ method: r.method }), -1);
    const principal = this.options.principalLabel === true ? (r.principal ?? '') : undefined;
    this.#requests.add(`${r.method}\u0001${r.target}\u0001${r.upstream}\u0001${r.outcome}\u0001${principal ?? ''}`, () => ({
      method: r.method,
      target: r.target,
      upstream: r.upstream,
      outcome: r.outcome,
      ...(principal !== undefined && { principal }),
    }));
    this.#byEra.add(r.era, () => ({ era: r.era }));
    const endpoint = r.endpoint;
    if (endpoint !== undefined) this.#byEndpoint.add(`${endpoint}\u0001${r.outcome}`, () => ({ endpoint, outcome: r.outcome }));
    this.duration.observe({ method: r.method, target: r.target, upstream: r.upstream }, r.seconds);
  }

  /** Counts a listener's open sessions into `mcp_sessions_active` at each scrape; the returned function stops it. */
  activeSessions(read: () => number): () => void {
    this.#sessionCounts.add(read);
    return () => this.#sessionCounts.delete(read);
  }

  /** Reads upstream status at each scrape (the gateway passes its health()). */
  upstreams(read: () => readonly UpstreamStatus[]): void {
    this.#upstreams = read;
  }

  /** For the cache: a lookup answered from the cache. */
  cacheHit(method: string): void {
    this.#cache.add(`${method}\u0001hit`, () => ({ method, result: 'hit' }));
  }

  /** For the cache: a lookup that went on to the handler or upstream. */
  cacheMiss(method: string): void {
    this.#cache.add(`${method}\u0001miss`, () => ({ method, result: 'miss' }));
  }

  /** For rate limits and quotas: one refused request; `limit` says which ('rate', 'quota', 'concurrency', 'capability'). */
  rateLimited(method: string, limit: string): void {
    this.#rateLimited.add(`${method}\u0001${limit}`, () => ({ method, limit }));
  }

  /** For the hidden-text check: one answer that held hidden text, removed or only logged. */
  hiddenText(method: string, upstream: string, action: 'removed' | 'logged'): void {
    this.#hiddenText.add(`${method}\u0001${upstream}\u0001${action}`, () => ({ method, upstream, action }));
  }

  /** For the HTTP edge: one request refused for its credentials (`error`: the refusal's code, a bounded set). */
  authRefused(status: number, error: string | undefined): void {
    const code = error ?? 'none';
    this.#authRefused.add(`${status}\u0001${code}`, () => ({ status: String(status), error: code }));
  }

  /** For the circuit breaker: its current state toward `upstream`. */
  breakerState(upstream: string, state: BreakerState): void {
    this.#breaker.set({ upstream }, BREAKER_VALUE[state]);
  }

  /** The exposition text and its content type, for a /metrics endpoint. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
