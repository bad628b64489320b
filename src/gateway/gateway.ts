// The gateway: many MCP servers behind one endpoint. Composes supervised upstreams (client layer), the merged
// catalog, and a passthrough ServingHost (server layer) whose pipeline ends in the forwarder.
import { isDeepStrictEqual } from 'node:util';
import { Upstream, type UpstreamHooks } from '../client/upstream.js';
import { type CallContext, type ChangeKind, ErrorCode, type Logger, type Middleware, VERSION, WireError } from '../core/index.js';
import { createLogger, type HttpHandle, type HttpRoute, type HttpServeOptions, type ListenLease, ServingHost, type StdioHandle } from '../server/index.js';
import { RELAYABLE } from './caller-capabilities.js';
import { Catalog } from './catalog.js';
import type { GatewayConfig, ServerConfig } from './config/index.js';
import { callerKey, forwarder } from './forward.js';
import { pipelineFromConfig } from './pipeline.js';
import { InflightCalls, type RelayOptions } from './relay.js';
import { type CommandAliases, toUpstreamSpec } from './upstream-specs.js';
import { type SubscriptionLimits, UpstreamSubscriptions } from './upstream-subscriptions.js';

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
}

interface Entry {
  upstream: Upstream;
  config: ServerConfig;
}

export class Gateway {
  readonly host: ServingHost;
  readonly catalog: Catalog;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight: InflightCalls;
  readonly #subscriptions: UpstreamSubscriptions;
  readonly #refreshing = new Map<string, Promise<void>>();
  #config: GatewayConfig;

  constructor(config: GatewayConfig, private readonly opts: GatewayOptions = {}) {
    this.#config = config;
    const logger = opts.logger ?? createLogger(GATEWAY_INFO.name);
    this.catalog = new Catalog([], config.separator, logger);
    this.#inflight = new InflightCalls({ roots: config.roots, ...(opts.abandonGraceMs !== undefined && { abandonGraceMs: opts.abandonGraceMs }) });
    this.#subscriptions = new UpstreamSubscriptions(opts.subscriptions, (err, upstream, uri) =>
      logger.warn({ err, uri, upstream: upstream.name }, 'upstream resource subscription failed'),
    );
    const forward = forwarder(this.catalog, this.#inflight, this.#subscriptions, opts.listPageSize ?? 500);
    const host = { ...GATEWAY_INFO, passthrough: true, logger, onListen: (filter: { resourceSubscriptions?: unknown }, ctx: CallContext) => this.#listened(filter, ctx) };
    this.host = new ServingHost(host, (ctx) => {
      this.#failIfDown(ctx);
      return forward(ctx);
    });
    this.host.use(...pipelineFromConfig(config, { catalog: this.catalog }));
  }

  /**
   * A down server's tools and prompts leave the catalog, so a call to one would read "Unknown tool". When the name
   * was that server's before it went down, or is in the namespace of a configured server that is down (it may
   * never have come up), say that server is unavailable (and why) instead.
   */
  #failIfDown(ctx: CallContext): void {
    if (ctx.method !== 'tools/call' && ctx.method !== 'prompts/get') return;
    const target = ctx.target ?? '';
    const kind = ctx.method === 'tools/call' ? 'tools' : 'prompts';
    if ((kind === 'tools' ? this.catalog.tool(target) : this.catalog.prompt(target)) !== undefined) return;
    const former = this.catalog.formerOwner(kind, target);
    if (former) throw former.unavailable();
    for (const { upstream, config } of this.#entries.values()) {
      if (config.namespace !== false && !upstream.up && target.startsWith(`${config.namespace}${this.#config.separator}`)) throw upstream.unavailable();
    }
  }

  get config(): GatewayConfig {
    return this.#config;
  }

  readonly #hooks: UpstreamHooks = {
    onRequest: (upstream, req, signal) => this.#inflight.request(upstream, req, signal),
    onNotification: (upstream, n) => {
      if (n.method === 'notifications/resources/updated' && typeof n.params?.uri === 'string') this.host.resourceUpdated(n.params.uri);
      else if (n.method === 'notifications/message') this.#inflight.log(upstream, n.params);
    },
    onListChanged: (upstream, kind) => void this.#refresh(upstream, [kind]),
    onStatus: (upstream) => void this.#refresh(upstream),
  };

  /** Re-reads one upstream's lists, one refresh at a time per upstream, and tells clients what changed. */
  #refresh(upstream: Upstream, kinds?: ChangeKind[]): Promise<void> {
    const previous = this.#refreshing.get(upstream.name) ?? Promise.resolve();
    // An upstream replaced or removed by reload (or close) must not write its lists over its successor's.
    const live = () => this.#entries.get(upstream.name)?.upstream === upstream;
    const next = previous.then(async () => {
      if (!live()) return;
      const changed = await this.catalog.refresh(upstream, kinds);
      if (live()) this.#announce(changed);
    });
    this.#refreshing.set(upstream.name, next.catch(() => {}));
    return next;
  }

  /** Adds middleware to the gateway's pipeline (the same pipeline a framework server runs). */
  use(...middleware: Middleware[]): this {
    this.host.use(...middleware);
    return this;
  }

  /**
   * A 2026-era listen the pipeline admitted: reserves the URIs it asks about within the caller's bounds (or refuses
   * it), subscribes each owning upstream once the SDK has accepted the listen, and lets go when the listen ends;
   * the last listener of a URI unsubscribes the upstream.
   */
  #listened(filter: { resourceSubscriptions?: unknown }, ctx: CallContext): ListenLease {
    const uris = filter.resourceSubscriptions ?? [];
    if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) {
      throw new WireError(ErrorCode.InvalidParams, 'Invalid params: notifications.resourceSubscriptions must be an array of URI strings');
    }
    const holder = {};
    const release = () => this.#subscriptions.release(holder);
    const opens: Array<() => Promise<void>> = [];
    try {
      for (const uri of uris as string[]) {
        const owner = this.catalog.resourceOwner(uri);
        if (owner) opens.push(this.#subscriptions.reserve(holder, callerKey(ctx), owner, uri));
      }
    } catch (err) {
      release();
      throw err;
    }
    // Failures are logged by the subscriptions; the listen is served either way.
    return { open: () => Promise.allSettled(opens.map((open) => open())), release };
  }

  #announce(changed: Set<ChangeKind>): void {
    for (const kind of changed) this.host.listChanged(kind);
  }

  #create(config: ServerConfig): Entry {
    const upstream = new Upstream(toUpstreamSpec(config, this.opts.commands, this.host.logger), {
      log: this.host.logger,
      hooks: this.#hooks,
      clientInfo: GATEWAY_INFO,
      capabilities: RELAYABLE,
      ...(this.opts.restart && { supervisor: this.opts.restart }),
    });
    return { upstream, config };
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
    for (const e of this.#entries.values()) e.upstream.start();
    await Promise.all([...this.#entries.values()].map((e) => this.#settled(e)));
  }

  /**
   * Applies a new config: unchanged servers keep running (and their clients' sessions), as do servers whose only
   * change is `timeoutMs` (applied to their next requests); others restart.
   */
  async reload(next: GatewayConfig): Promise<{ added: string[]; removed: string[]; restarted: string[]; retimed: string[] }> {
    if (next.separator !== this.#config.separator) {
      // Every exposed name would change under connected clients (and the catalog is built around one separator).
      throw new Error(`separator changed ('${this.#config.separator}' to '${next.separator}'); restart the gateway to apply it`);
    }
    const report = { added: [] as string[], removed: [] as string[], restarted: [] as string[], retimed: [] as string[] };
    // Functions (a built-in's opener) differ per call; the data beside them says whether the server changed.
    const spec = (c: ServerConfig) => JSON.parse(JSON.stringify({ ...toUpstreamSpec(c, this.opts.commands), timeoutMs: 0 }));
    const wanted = new Map(Object.values(next.servers).filter((c) => c.enabled).map((c) => [c.name, c]));
    const stopping: Promise<void>[] = [];
    for (const [name, entry] of this.#entries) {
      const config = wanted.get(name);
      if (config && isDeepStrictEqual(spec(config), spec(entry.config))) {
        if (config.timeoutMs !== entry.config.timeoutMs) {
          entry.upstream.retime(config.timeoutMs);
          report.retimed.push(name);
        }
        entry.config = config;
        continue;
      }
      this.#entries.delete(name);
      stopping.push(entry.upstream.stop());
      (config ? report.restarted : report.removed).push(name);
    }
    // In parallel: a server that ignores stdin EOF takes its kill timeout to stop.
    await Promise.all(stopping);
    this.#config = next;
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
    for (const e of fresh) e.upstream.start();
    await Promise.all(fresh.map((e) => this.#settled(e)));
    return report;
  }

  health() {
    return {
      upstreams: [...this.#entries.values()].map((e) => e.upstream.status()),
      ...(this.catalog.collisions.length > 0 && { collisions: this.catalog.collisions }),
    };
  }

  /** Endpoints the gateway's features serve beside the MCP path (metrics, admin API), on its HTTP listener. */
  readonly routes: HttpRoute[] = [];

  serveHttp(opts: HttpServeOptions = {}): Promise<HttpHandle> {
    // Every listen setting is an HTTP serving option of the same name (host, port, path and the limits).
    return this.host.serveHttp({ ...this.#config.listen, readiness: () => this.health(), ...opts, routes: [...this.routes, ...(opts.routes ?? [])] });
  }

  serveStdio(): StdioHandle {
    return this.host.serveStdio();
  }

  /** Stops every upstream (children get stdin close, SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#entries.values()].map((e) => e.upstream.stop()));
    this.#entries.clear();
  }
}
