// What every served MCP endpoint shares, whether its requests end in a registry (the framework) or in a
// forward to upstreams (the gateway): the pipeline, stdio/HTTP serving in both eras, and change fan-out.
import { randomBytes } from 'node:crypto';
import {
  createRequestStateCodec,
  type RequestStateCodec,
  type Server,
  type Transport,
} from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import { type CallContext, type ChangeKind, compose, type Era, type Handler, type Logger, type McpResult, type Middleware, type Principal } from '../core/index.js';
import { admission, type ListenHook, SDK_OWNED } from './admission.js';
import type { ElicitState } from './elicitation.js';
import { type Admit, GatedTransport } from './gate.js';
import type { AuditLog, AuditMiddleware } from '../middleware/audit.js';
import type { OperationMetricsMiddleware } from '../middleware/operation-metrics.js';
import { Metrics, metrics } from '../middleware/metrics.js';
import type { ChangeAudience, Hears, Item } from '../middleware/policy-target.js';
import { createFetchHandler, type FetchHandlerOptions, type McpFetchHandler } from './http/fetch-handler.js';
import { metricsRoute } from './http/metrics-route.js';
import type { SessionEnded } from './http/legacy-sessions.js';
import type { HttpServeOptions } from './http/options.js';
import type { ListenNotifier } from './http/listen-streams.js';
import type { TaskRegistry } from './tasks/task-registry.js';
import { type HttpHandle, serveHttp } from './http/serve-http.js';
import { createLogger } from './logger.js';
import { StdioLineTransport } from './stdio-transport.js';
import { localIdentity } from './identity.js';
import { checkParamHeaders } from './param-header-check.js';
import { type AppCore, type Connection, createProtocolServer, endRoundOnInputRequired, type ProtocolServerOptions } from './protocol-server.js';

export interface HostOptions {
  name: string;
  version: string;
  instructions?: string;
  /** Defaults to pino on stderr. */
  logger?: Logger;
  /** HMAC key (≥ 32 bytes) for 2026-era multi-round-trip state; give the same key to every replica. Default: random per process. */
  requestStateKey?: string | Uint8Array;
  /** Forward results untouched (no result-schema validation or stripping): for proxies. */
  passthrough?: boolean;
  /**
   * Called for each 2026-era `subscriptions/listen` once the pipeline has admitted it, with what it asks to hear
   * about; may refuse it by throwing. Returns what to run when that listen ends.
   */
  onListen?: ListenHook;
  /** The principal of local connections (stdio, in memory); default anonymous. */
  localPrincipal?: Principal;
  /** Prometheus metrics: counts every request (first in the pipeline) and serves GET /metrics (admin) over HTTP. */
  metrics?: boolean | Metrics;
  /**
   * The tasks the terminal answers tasks/get, tasks/update and tasks/cancel from: the tasks extension is advertised
   * (2026-07-28), and with `cluster` a listener forwards a request for another replica's task to it.
   */
  taskRegistry?: TaskRegistry;
  /**
   * A tool's input schema as listed, by the name callers use: its SEP-2243 `x-mcp-header` parameters are checked
   * against a 2026-era call's headers also when something in the pipeline answers for the terminal (a cache hit).
   */
  inputSchemaOf?: (tool: string) => unknown;
}

export interface StdioHandle {
  close(): Promise<void>;
}

const SEND_LIST_CHANGED: Record<ChangeKind, (s: Server) => Promise<void>> = {
  tools: (s) => s.sendToolListChanged(),
  resources: (s) => s.sendResourceListChanged(),
  prompts: (s) => s.sendPromptListChanged(),
};

export class ServingHost implements AppCore {
  readonly info: { name: string; version: string };
  readonly instructions?: string;
  readonly logger: Logger;
  readonly codec: RequestStateCodec<ElicitState>;
  readonly passthrough: boolean;
  readonly taskMethods: boolean;
  readonly #taskRegistry: TaskRegistry | undefined;
  readonly #middlewares: Middleware[] = [];
  readonly #terminal: Handler;
  #composed: Handler | undefined;
  #front: ((ctx: CallContext, pipeline: Handler) => Promise<McpResult> | undefined) | undefined;
  readonly #live = new Set<Connection>();
  readonly #notifiers = new Set<ListenNotifier>();
  readonly onListen: ListenHook | undefined;
  readonly admit: Admit;
  readonly #localPrincipal: Principal | undefined;
  /** The metrics this server counts into (`metrics` option), if any. */
  readonly metrics: Metrics | undefined;
  readonly paramHeaderCheck: ((ctx: CallContext) => void) | undefined;
  /** The audit log among the middleware, if any: its state is reported (readiness, metrics). */
  #auditLog: AuditLog | undefined;
  /** OTLP metrics among the middleware, if any: told of each 2025-era session that ends. */
  #sessionEnded: OperationMetricsMiddleware['sessionEnded'] | undefined;

  constructor(opts: HostOptions, terminal: Handler) {
    this.onListen = opts.onListen;
    this.#localPrincipal = opts.localPrincipal;
    this.info = { name: opts.name, version: opts.version };
    if (opts.instructions !== undefined) this.instructions = opts.instructions;
    this.logger = opts.logger ?? createLogger(opts.name);
    this.passthrough = opts.passthrough ?? false;
    this.taskMethods = opts.taskRegistry !== undefined;
    this.#taskRegistry = opts.taskRegistry;
    this.codec = createRequestStateCodec<ElicitState>({ key: opts.requestStateKey ?? randomBytes(32), ttlSeconds: 600, bind: (ctx) => ctx.mcpReq.method });
    const ours = endRoundOnInputRequired(terminal, this.codec);
    // Requests admitted at the gate end in the SDK (initialize, ping, discover, listen, …), everything else here.
    this.#terminal = (ctx) => ctx.state.get(SDK_OWNED)?.() ?? ours(ctx);
    this.admit = admission(this);
    const schemaOf = opts.inputSchemaOf;
    if (schemaOf) this.paramHeaderCheck = (ctx) => checkParamHeaders(ctx, schemaOf(ctx.target ?? ''), (ctx.params as { arguments?: unknown }).arguments);
    this.metrics = opts.metrics === true ? new Metrics() : opts.metrics || undefined;
    if (this.metrics) this.use(metrics(this.metrics));
  }

  /**
   * Adds middleware; every request goes through the pipeline in the order added. An audit log's state (`audit()`)
   * shows in GET /readyz's detail and, with `metrics`, as `mcp_audit_store_up` and `mcp_audit_backlog`; OTLP metrics
   * (`operationMetrics()`) hear of each 2025-era session served over HTTP that ends.
   */
  use(...middleware: Middleware[]): this {
    for (const m of middleware) {
      const sessionEnded = (m as Partial<OperationMetricsMiddleware>).sessionEnded;
      if (sessionEnded) this.#sessionEnded = sessionEnded;
      const log = (m as Partial<AuditMiddleware>).auditLog;
      if (!log) continue;
      this.#auditLog = log;
      this.metrics?.audit(() => log.state());
    }
    this.#middlewares.push(...middleware);
    this.#composed = undefined;
    return this;
  }

  /**
   * Puts `front` before the pipeline: it may answer a request itself (undefined lets the pipeline answer), given the
   * pipeline for what the request stands for (a gateway's tool search runs the real list or call through it).
   */
  front(front: (ctx: CallContext, pipeline: Handler) => Promise<McpResult> | undefined): this {
    this.#front = front;
    this.#composed = undefined;
    return this;
  }

  pipeline(): Handler {
    if (this.#composed) return this.#composed;
    const composed = compose(this.#middlewares, this.#terminal);
    const front = this.#front;
    this.#composed = front ? (ctx) => front(ctx, composed) ?? composed(ctx) : composed;
    return this.#composed;
  }

  /**
   * Who may hear that `items` changed: those every middleware that narrows what callers see (`ChangeAudience`:
   * access rules, endpoint views) lets see one of them; undefined when none narrows (everyone hears).
   */
  audienceOf(items: readonly Item[]): Hears | undefined {
    const asked: Hears[] = [];
    for (const m of this.#middlewares) {
      const hears = (m as Partial<ChangeAudience>).hearsOf?.(items);
      if (hears) asked.push(hears);
    }
    if (asked.length < 2) return asked[0];
    return (principal, endpoint) => asked.every((hears) => hears(principal, endpoint));
  }

  /** Tells subscribed clients that `uri` changed (`notifications/resources/updated`). */
  resourceUpdated(uri: string): void {
    for (const c of this.#live) {
      if (c.era === 'modern' || c.subscriptions.has(uri)) this.#send(() => c.server.sendResourceUpdated({ uri }));
    }
    for (const n of this.#notifiers) n.resourceUpdated(uri);
  }

  /**
   * Sends `notifications/<kind>/list_changed` to every connected client (2026-era clients via subscriptions/listen).
   * With `audience`, a 2025-era connection whose principal is known hears of it only if the audience includes it
   * (given its principal and endpoint: a change to items it may not see is none of its business), and so does a
   * 2026-era listen stream (given who opened it).
   */
  listChanged(kind: ChangeKind, audience?: Hears): void {
    for (const c of this.#live) {
      if (audience && c.principal && !audience(c.principal, c.endpoint)) continue;
      this.#send(() => SEND_LIST_CHANGED[kind](c.server));
    }
    for (const n of this.#notifiers) n.listChanged(kind, audience);
  }

  /** A fresh SDK server instance for one connection or request, wired to the pipeline. */
  createProtocolServer(era: Era, opts: ProtocolServerOptions = {}): Server {
    // A 2025-era connection made this way (any transport) hears of list and resource changes like serveStdio's.
    return createProtocolServer(this, era, era === 'legacy' ? { onConnect: (c) => this.#track(c), ...opts } : opts);
  }

  /**
   * Serves over stdio (both eras). Pass `transport` to serve any other SDK transport the same way, and `endpoint`
   * to have its requests carry that endpoint's name (`ctx.endpoint`: what `endpointViews` shows it).
   */
  serveStdio(opts: { transport?: Transport; endpoint?: string } = {}): StdioHandle {
    const identity = { ...localIdentity(this.#localPrincipal), ...(opts.endpoint !== undefined && { endpoint: opts.endpoint }) };
    const wire = opts.transport ?? new StdioLineTransport(process.stdin, process.stdout, { log: this.logger });
    return sdkServeStdio((rc) => this.createProtocolServer(rc.era, { onConnect: (c) => this.#track(c), identity }), {
      legacy: 'serve',
      onerror: (err) => this.logger.debug({ err }, 'stdio protocol error'),
      transport: new GatedTransport(wire, this.admit, identity),
    });
  }

  /**
   * A web-standard handler (`fetch(request) → response`) for serverless and edge runtimes: both eras, with no
   * sessions (the 2025 era is served statelessly). Give the handler's `fetch` to the platform.
   */
  fetchHandler(opts: FetchHandlerOptions = {}): McpFetchHandler {
    const factory = (era: Era) => this.createProtocolServer(era, era === 'legacy' ? { gated: true } : {});
    const handler = createFetchHandler(factory, opts, this.logger, this.admit);
    this.#notifiers.add(handler.notify);
    return {
      ...handler,
      close: async () => {
        this.#notifiers.delete(handler.notify);
        await handler.close();
      },
    };
  }

  /** Serves Streamable HTTP on 127.0.0.1 by default, both eras on one endpoint. */
  async serveHttp(opts: HttpServeOptions = {}): Promise<HttpHandle> {
    // 2025-era sessions are tracked (list_changed, resource updates) and gated per connection; 2026-era requests
    // are gated at the edge, and hear of changes through subscriptions/listen (the handle's notifier).
    const factory = (era: Era, httpOf?: ProtocolServerOptions['httpOf']) =>
      this.createProtocolServer(era, era === 'legacy' ? { onConnect: (c) => this.#track(c), gated: true } : { ...(httpOf && { httpOf }) });
    const routes = this.metrics ? [metricsRoute(this.metrics), ...(opts.routes ?? [])] : opts.routes;
    const tasks = this.#taskRegistry && { tasks: this.#taskRegistry };
    const log = this.#auditLog;
    const readiness = log && { readiness: () => ({ ...opts.readiness?.(), audit: log.state() }) };
    const recorded = this.#sessionEnded;
    const sessions = recorded && {
      onSessionEnded: (ended: SessionEnded) => {
        recorded(ended);
        opts.onSessionEnded?.(ended);
      },
    };
    const m = this.metrics;
    const refused = m && {
      onAuthRefused: (status: number, error: string | undefined) => {
        m.authRefused(status, error);
        opts.onAuthRefused?.(status, error);
      },
    };
    const handle = await serveHttp(factory, { ...opts, ...(routes && { routes }), ...tasks, ...readiness, ...sessions, ...refused }, this.logger, this.admit);
    this.#notifiers.add(handle.notify);
    const uncount = this.metrics?.activeSessions(handle.sessionCount);
    return {
      ...handle,
      close: async () => {
        this.#notifiers.delete(handle.notify);
        uncount?.();
        await handle.close();
      },
    };
  }

  #track(c: Connection): void {
    this.#live.add(c);
    const previous = c.server.onclose;
    c.server.onclose = () => {
      this.#live.delete(c);
      previous?.();
    };
  }

  #send(fn: () => Promise<void>): void {
    fn().catch((err) => this.logger.debug({ err }, 'notification not delivered'));
  }
}
