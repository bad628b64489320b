// The gateway: many MCP servers behind one endpoint. Composes supervised upstreams (client layer), the merged
// catalog, and a passthrough ServingHost (server layer) whose pipeline ends in the forwarder.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type RestartCause, Upstream, type UpstreamHooks } from '../client/upstream.js';
import { type CallContext, type ChangeKind, GATEWAY_PRINCIPAL, type Logger, type Middleware, VERSION } from '../core/index.js';
import type { Metrics } from '../middleware/metrics.js';
import type { Item } from '../middleware/policy-target.js';
import { createLogger, type HttpHandle, type HttpRoute, type HttpServeOptions, OAuthProxy, ServingHost, type StdioHandle } from '../server/index.js';
import { localPrincipalOf, oauthProxyAudit, oauthProxySettings, servingAuth } from './auth.js';
import { RELAYABLE } from './caller-capabilities.js';
import { adminUiRoutes } from './admin-ui.js';
import { auditRoutes } from './audit.js';
import { type AuditChange, LiveAudit } from './live-audit.js';
import { Catalog } from './catalog.js';
import type { GatewayConfig, ServerConfig } from './config/index.js';
import { forwarder } from './forward.js';
import { callerKey } from './forward-parts.js';
import { InputBridge } from './input-bridge.js';
import { UpstreamRouter } from './isolation/router.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { pipelineFromConfig } from './pipeline.js';
import { GatewayTasks } from './gateway-tasks.js';
import { sharedRateStore } from './policy.js';
import { sessionsRoutes } from './sessions-admin.js';
import { tasksRoutes } from './tasks-admin.js';
import type { ReplicaPeers } from './every-replica.js';
import { type AdminChange, AdminChanges } from './admin-changes.js';
import { openReplicaCluster, type ReplicaCluster } from './replica-cluster.js';
import { otherReplicas, ReplicaSelf, replicasRoute, type SelfReport } from './replicas.js';
import { ConfigHistory, configRoute } from './config-report.js';
import { RedisReplayGuard } from '../stores/redis/replay-guard.js';
import { InflightCalls, type RelayOptions } from './relay.js';
import { GatewayResilience } from './resilience.js';
import { modeChange } from './resilience-admin.js';
import { restartChange } from './restart-admin.js';
import { FileWatch, WATCH_DRAIN_MS, watchedFilesOf } from './upstream-watch.js';
import { pinsRoutes } from './pins-admin.js';
import { type EndpointReport, endpointReports, endpointsRoute } from './endpoints-admin.js';
import { ToolPins } from './tool-pins.js';
import { ToolSearch } from './tool-search.js';
import { RestartGate } from './restart-gate.js';
import { type CommandAliases, toUpstreamSpec } from './upstream-specs.js';
import { UpstreamChanges } from './upstream-changes.js';
import { GATEWAY_GRANT, UpstreamOAuth } from './upstream-oauth.js';
import { type SubscriptionLimits, UpstreamSubscriptions } from './upstream-subscriptions.js';
import { UrlElicitations } from './url-elicitations.js';
import { UrlRounds } from './url-rounds.js';

/** How the gateway introduces itself, to clients (serverInfo) and to upstreams (clientInfo). */
const GATEWAY_INFO = { name: 'mcplex-gateway', version: VERSION };

export interface GatewayOptions {
  logger?: Logger;
  /** Items per page in merged list results; default 500. */
  listPageSize?: number;
  /** Command names that stand for a fixed command line (the CLI maps `mcplex` to itself). */
  commands?: CommandAliases;
  /** Supervisor tuning (tests use small numbers). */
  restart?: { initialDelayMs?: number; maxDelayMs?: number; healthyAfterMs?: number };
  /** How long a cancelled or timed-out call keeps ownership of what its upstream sends (see relay.ts); default 10 s. */
  abandonGraceMs?: RelayOptions['abandonGraceMs'];
  /** Bounds on resource subscriptions toward upstreams, per caller and in all. */
  subscriptions?: SubscriptionLimits;
  /** Open the gateway's own OAuth authorizations in the desktop's browser (a gateway a person runs over stdio). */
  openBrowser?: boolean;
}

/** What a reload did: servers added, removed, restarted, retimed (only `timeoutMs` changed), and the audit log. */
export interface ReloadReport {
  added: string[];
  removed: string[];
  restarted: string[];
  retimed: string[];
  audit?: AuditChange;
}

/** What of a server's config the isolated connections depend on: a change restarts the server on reload. */
const upstreamAuthOf = ({ isolation, instances, forwardHeaders, auth, identity }: ServerConfig) => ({ isolation, instances, forwardHeaders, auth, identity });

/** How a server that exits is tried again: its own `restartBackoff`, key by key over `resilience.restartBackoff`. */
const restartBackoffOf = (config: GatewayConfig, server: ServerConfig) => ({ ...config.resilience?.restartBackoff, ...server.restartBackoff });
const withInstances = <T>(status: T, instances: unknown[]) => (instances.length > 0 ? { ...status, instances } : status);

interface Entry {
  upstream: Upstream;
  config: ServerConfig;
}

export class Gateway {
  readonly host: ServingHost;
  readonly catalog: Catalog;
  readonly #entries = new Map<string, Entry>();
  /** `servers.<name>.watch`: the files whose change restarts each server (upstream-watch.ts). */
  readonly #watches = new Map<string, FileWatch>();
  readonly #inflight: InflightCalls;
  /** URL elicitations given to callers (by upstreams, or by the gateway for their OAuth), so their completion reaches them. */
  readonly #elicitations = new UrlElicitations();
  /** Admin changes (mode, cache, pins, OAuth grants), made on every replica with `cluster:`. */
  readonly #adminChanges: AdminChanges;
  /** This replica, and (with `cluster:`, while serving HTTP) what it shares with the others. */
  readonly #self: ReplicaSelf;
  #cluster: ReplicaCluster | undefined;
  #sessions: (() => number) | undefined;
  /** A 2026-era caller's URL elicitations, as rounds (2026-07-28 has no -32042). */
  readonly #urlRounds = new UrlRounds(this.#elicitations);
  readonly #subscriptions: UpstreamSubscriptions;
  readonly #bridge = new InputBridge();
  readonly #refreshing = new Map<string, Promise<void>>();
  /** Per-caller connections, credentials and identity toward upstreams (isolation/). */
  readonly #router = new UpstreamRouter(
    () => this.#config.authenticated === true,
    (config) => this.#oauth.grantsFor(config),
  );
  /** Upstreams that authorize with OAuth (`auth.oauth`): their grants, the callback and admin routes. */
  readonly #oauth: UpstreamOAuth;
  /** Cleanup of pipeline stages (store connections), run by close(); what they apply on reload. */
  readonly #closers: Array<() => Promise<void>> = [];
  readonly #reloaders: Array<(next: GatewayConfig) => void> = [];
  /** The running config's version and the last reloads (GET /admin/config). */
  readonly #configHistory: ConfigHistory;
  /** Upstream list changes, restarts and resource updates, for features that keep derived state (the cache). */
  readonly changes = new UpstreamChanges();
  /** The audit log (`audit:`), reloadable; a pass-through slot without one. */
  readonly #audit: LiveAudit;
  /** `toolSearch:` (reloadable); undefined when off. */
  #toolSearch: ToolSearch | undefined;
  /** Tasks the gateway runs for tools its config names (`servers.<name>.tasks`). */
  readonly #tasks: GatewayTasks;
  #config: GatewayConfig;
  readonly #metrics: GatewayMetrics | undefined;
  /** Timeouts, retries, breakers, degradation and health checks (resilience.ts). */
  readonly resilience: GatewayResilience;
  /** Calls to a server that is down or restarting (restart-gate.ts). */
  readonly #restarts: RestartGate;

  constructor(config: GatewayConfig, private readonly opts: GatewayOptions = {}) {
    this.#config = config;
    const logger = opts.logger ?? createLogger(GATEWAY_INFO.name);
    this.#adminChanges = new AdminChanges(logger);
    this.#self = new ReplicaSelf(randomUUID(), () => this.#selfReport(), config.cluster?.advertise);
    this.#configHistory = new ConfigHistory(config);
    this.routes.push(replicasRoute(() => this.#self, () => this.#cluster?.directory), configRoute(this.#configHistory));
    this.catalog = new Catalog([], config.separator, logger);
    // Before any server is listed: a pins file that cannot be read stops the start here.
    if (config.pinning) this.catalog.pins = new ToolPins(config.pinning, logger);
    this.routes.push(
      ...pinsRoutes(
        () => this.catalog.pins,
        (approved) => {
          for (const { kind, server, tool, changed } of approved) logger.info({ upstream: server, [kind]: tool, changed }, `${kind} definition change approved; the ${kind} is pinned as it is now`);
          this.#syncCatalog();
        },
        this.#adminChanges,
      ),
    );
    this.#audit = new LiveAudit(config.audit, { catalog: this.catalog, logger });
    this.#oauth = new UpstreamOAuth(
      () => this.#config,
      logger,
      // The gateway's own authorization of a server just arrived: its shared connection tries again at once.
      (server, key) => {
        if (key === GATEWAY_GRANT) void this.#entries.get(server)?.upstream.reconnect();
      },
      this.#audit.event,
      this.#elicitations,
      opts.openBrowser === true,
    );
    this.routes.push(...this.#oauth.routes(this.#adminChanges));
    this.routes.push(...new OAuthProxy(() => oauthProxySettings(this.#config.auth), logger, (event) => this.#audit.event(oauthProxyAudit(event))).routes());
    this.routes.push(...auditRoutes(() => this.#audit.sink, logger));
    this.#inflight = new InflightCalls({
      roots: config.roots,
      ...(opts.abandonGraceMs !== undefined && { abandonGraceMs: opts.abandonGraceMs }),
      onRelayed: this.#audit.relayed,
      elicitations: this.#elicitations,
    });
    this.#subscriptions = new UpstreamSubscriptions(opts.subscriptions, (err, upstream, uri) =>
      logger.warn({ err, uri, upstream: upstream.name }, 'upstream resource subscription failed'),
    );
    // A task's upstream call is retried as an ordinary one, each attempt waiting for a restarting server as one does.
    this.#tasks = new GatewayTasks(() => this.#config, logger, this.#audit.event, (ctx, next) =>
      this.resilience.stages.retry(ctx, async () => {
        await this.#restarts.check(ctx);
        return next();
      }),
    );
    const forward = forwarder(this.catalog, this.#inflight, this.#subscriptions, this.#bridge, this.#tasks, opts.listPageSize ?? 500, this.#urlRounds, this.#router);
    const local = localPrincipalOf(config);
    const host = { ...GATEWAY_INFO, passthrough: true, taskRegistry: this.#tasks.registry, inputSchemaOf: (name: string) => this.catalog.tool(name)?.inputSchema, logger, ...(local && { localPrincipal: local }), onListen: (filter: { resourceSubscriptions?: unknown }, ctx: CallContext) => this.#subscriptions.listen(filter.resourceSubscriptions ?? [], callerKey(ctx), (uri) => this.catalog.resourceOwner(uri)) };
    this.#restarts = new RestartGate(this.catalog, () => this.#entries.values(), () => this.#config);
    this.resilience = new GatewayResilience(this.catalog, () => this.#config, () => this.#entries.values(), () => this.host.listChanged('tools'));
    this.routes.push(...adminUiRoutes());
    this.routes.push(endpointsRoute(() => this.endpoints()));
    this.routes.push(...tasksRoutes(this.#tasks, () => this.#peers()));
    this.routes.push(this.#adminChanges.route(modeChange(this.resilience, () => [...this.#entries.keys()], () => this.host.listChanged('tools'))));
    this.routes.push(
      this.#adminChanges.route(
        restartChange(
          () => [...this.#entries.keys()],
          async (server, drainMs) => {
            await this.restartServer(server, 'restarted by an administrator', 'admin', drainMs);
            return this.#entries.get(server)?.upstream.status() ?? { state: 'removed' };
          },
        ),
      ),
    );
    this.host = new ServingHost(host, async (ctx) => {
      await this.#restarts.check(ctx);
      return this.resilience.timed(ctx, this.resilience.target(ctx)?.key, () => forward(ctx));
    });
    // `toolSearch:` answers tools/list and its two tools in front of the pipeline (tool-search.ts).
    this.#toolSearch = ToolSearch.from(config, logger);
    // On every path, or per endpoint (`endpoints.<name>.toolSearch`).
    this.host.front((ctx, pipeline) => (this.#toolSearch && ToolSearch.wanted(this.#config, ctx) ? this.#toolSearch.answer(ctx, pipeline) : undefined));
    this.#metrics = GatewayMetrics.from(config, this.catalog, () => this.health().upstreams, () => this.#configHistory.version, () => this.#audit.state());
    this.#oauth.refreshed = this.#metrics && ((server, e) => this.#metrics!.oauthRefreshed(server, e));
    this.#metrics?.metrics.tasks(() => this.#tasks.registry.counts());
    if (this.#metrics?.route) this.routes.push(this.#metrics.route);
    this.host.use(
      ...pipelineFromConfig(config, {
        catalog: this.catalog,
        logger,
        routes: this.routes,
        adminChanges: this.#adminChanges,
        changes: this.changes,
        ...(this.metrics && { metrics: this.metrics }),
        resilience: this.resilience,
        audit: this.#audit.middleware,
        relay: this.#inflight,
        upstreamVersion: (name) => this.#entries.get(name)?.upstream.client?.getNegotiatedProtocolVersion(),
        onClose: (close) => void this.#closers.push(close),
        onReload: (apply) => this.#reloaders.push(apply),
      }),
    );
  }

  /** Prometheus metrics (`metrics.enabled`, default on): hooks for other stages (cacheHit, breakerState, …). */
  get metrics(): Metrics | undefined {
    return this.#metrics?.metrics;
  }

  get config(): GatewayConfig {
    return this.#config;
  }

  readonly #hooks: UpstreamHooks = {
    onRequest: (upstream, req, signal) => this.#inflight.request(upstream, req, signal),
    onNotification: (upstream, n) => {
      if (n.method === 'notifications/resources/updated' && typeof n.params?.uri === 'string') {
        this.changes.emit({ type: 'resourceUpdated', server: upstream.name, uri: n.params.uri });
        this.host.resourceUpdated(n.params.uri);
      }
      else if (n.method === 'notifications/message') this.#inflight.log(upstream, n.params);
      else if (n.method === 'notifications/elicitation/complete' && typeof n.params?.elicitationId === 'string') this.#elicitations.complete(upstream.name, n.params.elicitationId);
    },
    onListChanged: (upstream, kind) => {
      this.changes.emit({ type: 'listChanged', server: upstream.name, kind });
      void this.#refresh(upstream, [kind]);
    },
    onStatus: (upstream) => {
      this.changes.emit({ type: 'status', server: upstream.name });
      void this.#refresh(upstream);
    },
  };

  /** Re-reads one upstream's lists, one refresh at a time per upstream, and tells clients what changed. */
  #refresh(upstream: Upstream, kinds?: ChangeKind[]): Promise<void> {
    const previous = this.#refreshing.get(upstream.name) ?? Promise.resolve();
    // An upstream replaced or removed by reload (or close) must not write its lists over its successor's.
    const live = () => this.#entries.get(upstream.name)?.upstream === upstream;
    const next = previous.then(async () => {
      if (!live()) return;
      const before = this.catalog.itemsOf(upstream.name);
      const changed = await this.catalog.refresh(upstream, kinds);
      // Told only to callers who may list one of the server's items of that kind, as they were or as they are.
      const after = this.catalog.itemsOf(upstream.name);
      if (live()) this.#announce(changed, (kind) => [...before[kind], ...after[kind]]);
      this.#restarts.wake();
    });
    this.#refreshing.set(upstream.name, next.catch(() => {}));
    return next;
  }

  /** What each named endpoint's view shows of the catalog now (GET /admin/endpoints, `mcplex check --connect`). */
  endpoints(): EndpointReport[] {
    return endpointReports(this.#config, this.catalog, this.#entries.keys());
  }

  /** Adds middleware to the gateway's pipeline (the same pipeline a framework server runs). */
  use(...middleware: Middleware[]): this {
    this.host.use(...middleware);
    return this;
  }

  /**
   * Tells clients of changed lists; with `items` (what changed, by kind), only those whom every narrowing stage
   * (access rules, endpoint views: `ChangeAudience`) lets see one of them.
   */
  #announce(changed: Set<ChangeKind>, items?: (kind: ChangeKind) => Item[]): void {
    for (const kind of changed) this.host.listChanged(kind, items && this.host.audienceOf(items(kind)));
  }

  #create(config: ServerConfig): Entry {
    // Isolated copies relay server→client traffic like the shared one but leave the catalog to it.
    const isolatedHooks = { ...this.#hooks, onListChanged: () => {}, onStatus: () => {} };
    const entry = { config } as Entry;
    // Isolated copies made later follow the entry's current config (a reload may retime it).
    entry.upstream = this.#router.register(config, ({ isolated, ...extra }) =>
      new Upstream(toUpstreamSpec(entry.config, this.opts.commands, this.host.logger), {
        log: this.host.logger,
        hooks: isolated ? isolatedHooks : this.#hooks,
        clientInfo: GATEWAY_INFO,
        capabilities: RELAYABLE,
        supervisor: { ...this.opts.restart, ...restartBackoffOf(this.#config, entry.config) },
        ...extra,
      }),
    );
    return entry;
  }

  /**
   * Restarts a server (POST /admin/restart, a watched file's change): its shared connection (a stdio server's
   * process) and its isolated ones, each once its calls in flight finished or `drainMs` passed. False when no server
   * of that name runs.
   */
  async restartServer(name: string, reason: string, by: RestartCause, drainMs = 0): Promise<boolean> {
    const entry = this.#entries.get(name);
    if (!entry) return false;
    await Promise.all([entry.upstream.restart(reason, by, drainMs), this.#router.restart(entry.upstream, reason, by, drainMs)]);
    return true;
  }

  /** Each server's `watch:` as the config says now: a watch made, remade (its patterns changed) or closed. */
  #syncWatches(): void {
    for (const [name, watch] of this.#watches) {
      if (isDeepStrictEqual(watchedFilesOf(this.#entries.get(name)?.config), watch.files)) continue;
      this.#watches.delete(name);
      void watch.close();
    }
    const log = this.host.logger;
    for (const [name, entry] of this.#entries) {
      const files = watchedFilesOf(entry.config);
      if (!files || this.#watches.has(name)) continue;
      const watch = new FileWatch(files, (file) => void this.restartServer(name, `watched file changed: ${file}`, 'watch', WATCH_DRAIN_MS), log);
      this.#watches.set(name, watch);
      void watch.ready.then(() => {
        if (this.#watches.get(name) === watch) log.info({ upstream: name, watch: files.patterns, dir: files.dir }, 'watching files: a change restarts the server');
      });
    }
  }

  /** What health shows of a server's watch: its patterns. */
  #watchOf(name: string): { watch?: readonly string[] } {
    const watch = this.#watches.get(name);
    return watch ? { watch: watch.files.patterns } : {};
  }

  /** Stops a server: its shared connection and its isolated ones. */
  #stop(entry: Entry): Promise<void> {
    return Promise.all([entry.upstream.stop(), this.#router.drop(entry.upstream)]).then(() => {});
  }

  /** Waits until the upstream connected or failed its first attempt (bounded by its connect timeout). */
  async #settled(entry: Entry): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((r) => {
      timer = setTimeout(r, entry.config.connectTimeoutMs + 1000);
    });
    await Promise.race([entry.upstream.firstAttempt(), deadline]);
    clearTimeout(timer);
    // Not stopped meanwhile (close, reload) before its lists count.
    if (this.#entries.get(entry.config.name) === entry) await this.#refresh(entry.upstream);
  }

  #syncCatalog(): void {
    this.#announce(this.catalog.setEntries([...this.#entries.values()]));
  }

  /** Connects every enabled server in parallel; one that fails does not stop the others. */
  async start(): Promise<void> {
    for (const config of Object.values(this.#config.servers)) {
      if (config.enabled) this.#entries.set(config.name, this.#create(config));
    }
    this.#syncCatalog();
    this.resilience.sync();
    for (const e of this.#entries.values()) e.upstream.start();
    this.#syncWatches();
    await Promise.all([...this.#entries.values()].map((e) => this.#settled(e)));
  }

  /** The version of the config running now (config-report.ts; GET /admin/config). */
  get configVersion(): string {
    return this.#configHistory.version;
  }

  /**
   * Applies a new config: unchanged servers keep running (and their clients' sessions), as do servers whose only
   * change is `timeoutMs` (applied to their next requests); others restart. Pass a loader to have a config that
   * fails to load recorded in the audit log like one the gateway rejects.
   */
  reload(next: GatewayConfig | (() => Promise<GatewayConfig>)): Promise<ReloadReport> {
    // In the audit log as the gateway's own act: what it did, or why the new config was not applied (given a loader,
    // a file that does not load is recorded too).
    return this.#audit.recorded('config/reload', GATEWAY_PRINCIPAL, async () => {
      try {
        const config = typeof next === 'function' ? await next() : next;
        const report = await this.#reload(config);
        this.#configHistory.applied(config);
        return report;
      } catch (err) {
        this.#configHistory.rejected((err as Error).message);
        throw err;
      }
    });
  }

  async #reload(next: GatewayConfig): Promise<ReloadReport> {
    if (next.separator !== this.#config.separator) {
      // Every exposed name would change under connected clients (and the catalog is built around one separator).
      throw new Error(`separator changed ('${this.#config.separator}' to '${next.separator}'); restart the gateway to apply it`);
    }
    // First: a pins file or an audit store that cannot be opened rejects the reload before anything else changed.
    const applyPins = this.#pinsFor(next);
    const audit = await this.#audit.reload(next.audit);
    applyPins();
    const report: ReloadReport = { added: [], removed: [], restarted: [], retimed: [], ...(audit && { audit }) };
    // Functions (a built-in's opener) differ per call; the data beside them says whether the server changed.
    // A server's backoff as the config it runs under makes it: a change of the gateway-wide one restarts those it reaches.
    const spec = (c: ServerConfig, under: GatewayConfig) =>
      JSON.parse(JSON.stringify({ ...toUpstreamSpec(c, this.opts.commands), timeoutMs: 0, ...upstreamAuthOf(c), restartBackoff: restartBackoffOf(under, c) }));
    const wanted = new Map(Object.values(next.servers).filter((c) => c.enabled).map((c) => [c.name, c]));
    const stopping: Promise<void>[] = [];
    const retooled: string[] = [];
    for (const [name, entry] of this.#entries) {
      const config = wanted.get(name);
      if (config && isDeepStrictEqual(spec(config, next), spec(entry.config, this.#config))) {
        if (config.timeoutMs !== entry.config.timeoutMs) {
          entry.upstream.retime(config.timeoutMs);
          this.#router.retime(entry.upstream, config.timeoutMs);
          report.retimed.push(name);
        }
        // Its tools shown or called differently (filters, renames, overrides): what the cache holds for it goes.
        if (!isDeepStrictEqual(config.tools, entry.config.tools)) retooled.push(name);
        entry.config = config;
        continue;
      }
      this.#entries.delete(name);
      stopping.push(this.#stop(entry));
      (config ? report.restarted : report.removed).push(name);
    }
    // In parallel: a server that ignores stdin EOF takes its kill timeout to stop.
    await Promise.all(stopping);
    const searchChanged = !isDeepStrictEqual(ToolSearch.settings(next), ToolSearch.settings(this.#config));
    this.#config = next;
    this.#tasks.registry.configure(next.tasks ?? {});
    if (searchChanged) {
      this.#toolSearch = ToolSearch.from(next, this.host.logger);
      this.host.listChanged('tools');
    }
    for (const apply of this.#reloaders) apply(next);
    const revoked = this.#tasks.revoke((item) => this.host.audienceOf([item]));
    if (revoked.length > 0) this.host.logger.warn({ tasks: revoked }, 'tasks cancelled: their callers may no longer use their tools');
    // Without an auth section the last one stays in force (auth.ts): its keys still work.
    if (next.auth) {
      const keys = new Set(Object.values(next.auth.apiKeys ?? {}).map((k) => k.id));
      const orphaned = this.#tasks.revokeCallers((p) => p.kind === 'apiKey' && !keys.has(p.id), 'The API key that made the task was removed');
      if (orphaned.length > 0) this.host.logger.warn({ tasks: orphaned }, 'tasks cancelled: the API keys that made them were removed');
    }
    const fresh: Entry[] = [];
    for (const [name, config] of wanted) {
      if (this.#entries.has(name)) continue;
      const entry = this.#create(config);
      this.#entries.set(name, entry);
      fresh.push(entry);
      if (!report.restarted.includes(name)) report.added.push(name);
    }
    // Config order, so the merged catalog's order (and who wins a name collision) does not depend on reload history.
    const ordered = [...wanted.keys()].map((name) => [name, this.#entries.get(name)!] as const);
    this.#entries.clear();
    for (const [name, entry] of ordered) this.#entries.set(name, entry);
    this.#syncCatalog();
    for (const name of retooled) this.changes.emit({ type: 'listChanged', server: name, kind: 'tools' });
    this.resilience.sync();
    for (const e of fresh) e.upstream.start();
    this.#syncWatches();
    await Promise.all(fresh.map((e) => this.#settled(e)));
    return report;
  }

  /** What applies `next.pinning` (on, off, or the file read again); throws first, applying nothing, on a bad pins file. */
  #pinsFor(next: GatewayConfig): () => void {
    const current = this.catalog.pins;
    if (!next.pinning) return () => (this.catalog.pins = undefined);
    if (current) return current.prepare(next.pinning);
    const fresh = new ToolPins(next.pinning, this.host.logger);
    return () => (this.catalog.pins = fresh);
  }

  health() {
    const missing = [...this.#entries.values()].filter((e) => e.config.required === true && !e.upstream.up).map((e) => e.config.name);
    const { mode, disabledTools } = this.resilience.policy();
    const audit = this.#audit.state();
    return {
      // Ready only when every required upstream is up.
      ...(missing.length > 0 && { ready: false, requiredDown: missing }),
      ...(mode !== 'normal' && { mode }),
      ...(disabledTools.length > 0 && { disabledTools }),
      upstreams: [...this.#entries.values()].map((e) => withInstances({ ...e.upstream.status(), ...this.resilience.detail(e.upstream, e.config), ...this.#watchOf(e.config.name) }, this.#router.instances(e.upstream))),
      ...(this.catalog.collisions.length > 0 && { collisions: this.catalog.collisions }),
      ...(this.catalog.withheld.length > 0 && { withheld: this.catalog.withheld }),
      ...(audit && { audit }),
    };
  }

  /** What this replica reports of itself to the others (GET /admin/replicas). */
  #selfReport(): SelfReport {
    const h = this.health();
    return {
      ready: h.ready !== false,
      ...(h.mode && { mode: h.mode }),
      upstreams: Object.fromEntries(h.upstreams.map((u) => [u.name, u.state])),
      ...(this.#sessions && { sessions: this.#sessions() }),
      config: this.#configHistory.version,
      ...(h.audit && { audit: h.audit }),
    };
  }

  /** Endpoints the gateway's features serve beside the MCP path (metrics, admin API), on its HTTP listener. */
  readonly routes: HttpRoute[] = [];

  /** With `cluster:` (once it serves), this replica and the others alive: what each alone knows is listed through any (every-replica.ts). */
  #peers(): ReplicaPeers | undefined {
    const cluster = this.#cluster;
    if (!cluster) return undefined;
    return { self: () => ({ id: this.#self.id, ...(this.#self.advertise && { advertise: this.#self.advertise }) }), others: () => otherReplicas(this.#self, cluster.directory) };
  }

  /** Adds an admin change's route (POST), made on every replica with `cluster:` (admin-changes.ts); before serveHttp. */
  adminRoute(change: AdminChange): void {
    this.routes.push(this.#adminChanges.route(change));
  }

  async serveHttp(opts: HttpServeOptions = {}): Promise<HttpHandle> {
    // Every listen setting is an HTTP serving option of the same name (host, port, path and the limits).
    // Authentication and TLS come from `auth:` and `listen.tls`; once auth is on, admin needs the admin scope.
    const badAuth = (err: Error) => this.host.logger.error({ problem: err.message }, 'reloaded auth settings rejected; the previous ones stay in force');
    // With `cluster:`, a DPoP proof presented to one replica is refused by the others too.
    const c = this.#config.cluster;
    const replay = c && new RedisReplayGuard({ url: c.redis.url, keyPrefix: `${c.redis.keyPrefix}once:` }, this.host.logger);
    const auth = servingAuth(this.#config, () => this.#config, badAuth, replay);
    const cluster =
      this.#config.cluster &&
      (await openReplicaCluster(this.#config.cluster, {
        elicitations: this.#elicitations,
        adminChanges: this.#adminChanges,
        // A 2026-era call held between rounds (the input bridge, a URL to open): its next round is forwarded here.
        held: (record) => {
          this.#bridge.onHold = record;
          this.#urlRounds.onHold = record;
        },
        self: this.#self,
        log: this.host.logger,
      }));
    this.#cluster = cluster || undefined;
    // With `cluster:`, replicas count refused credentials together (per process while Redis is away).
    const refusalStore = c && this.#config.authenticated && this.#config.auth?.refusalLimit !== false ? sharedRateStore(c.redis.url, `${c.redis.keyPrefix}refusals:`, this.host.logger) : undefined;
    const endpoints = Object.entries(this.#config.endpoints ?? {}).map(([name, e]) => ({ name, path: e.path }));
    const m = this.metrics;
    const refused = m && { onAuthRefused: (status: number, error: string | undefined) => m.authRefused(status, error) };
    let listening: HttpHandle | undefined;
    // With `cluster:`, a sessions listing is every replica's.
    const routes = [...this.routes, ...sessionsRoutes(() => listening?.sessions, () => this.#peers()), ...(opts.routes ?? [])];
    const served = await this.host.serveHttp({ ...this.#config.listen, ...auth, endpoints, readiness: () => this.health(), onAdminChange: this.#audit.admin, ...(cluster && { cluster: cluster.serving }), ...(refusalStore && { refusalStore }), ...refused, ...opts, routes });
    listening = served;
    // Where the other replicas reach this one, unless cluster.advertise says: told to them at once.
    this.#self.listening(new URL(served.url).origin);
    void cluster?.announce();
    this.#oauth.served(served.url);
    this.#sessions = served.sessionCount;
    const uncount = this.metrics?.activeSessions(served.sessionCount);
    // Closed once; asked again (a second SIGTERM) it ends the listener's drain at once.
    let closedAll: Promise<void> | undefined;
    const closeAll = () => {
      const closing = served.close();
      closedAll ??= closing.finally(() => {
        this.#cluster = undefined;
        return Promise.all([uncount?.(), cluster?.close(), replay?.close(), refusalStore?.close()]);
      });
      return closedAll;
    };
    const http = uncount || cluster ? { ...served, close: closeAll } : served;
    return this.#metrics ? this.#metrics.beside(http, this.host.logger) : http;
  }


  /** Serves over stdio; with `endpoint` (a name under `endpoints:`), what that endpoint shows. */
  serveStdio(opts: { endpoint?: string } = {}): StdioHandle {
    if (opts.endpoint !== undefined && !this.#config.endpoints?.[opts.endpoint]) throw new Error(`no endpoint '${opts.endpoint}' under endpoints:`);
    const stdio = this.host.serveStdio(opts);
    const beside = this.#metrics?.beside(stdio, this.host.logger, false);
    // Upstreams that authorize with OAuth need a listener for the browser's return.
    const callback = this.#oauth.callbackListener().catch((err: Error) => {
      this.host.logger.error({ err }, 'the OAuth callback listener failed to start; upstream authorizations cannot complete');
      return undefined;
    });
    const handle = beside ?? Promise.resolve(stdio);
    return { close: () => Promise.all([handle.then((h) => h.close()), callback.then((l) => l?.close())]).then(() => {}) };
  }

  /** Stops every upstream (children get stdin close, SIGTERM, then SIGKILL), then drains the audit log. */
  async close(): Promise<void> {
    this.#bridge.close();
    this.#tasks.close();
    this.resilience.stop();
    const watches = [...this.#watches.values()].map((w) => w.close());
    this.#watches.clear();
    await Promise.allSettled([...watches, ...[...this.#entries.values()].map((e) => this.#stop(e))]);
    this.#entries.clear();
    await this.#audit.close();
    await Promise.allSettled([...this.#closers.splice(0).map((close) => close()), this.#oauth.close()]);
  }
}
