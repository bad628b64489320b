// One upstream MCP server as the gateway sees it: a supervised SDK Client (stdio, Streamable HTTP or SSE),
// era negotiated per server (or pinned by its spec's `protocol`), requests forwarded on the loose passthrough path so nothing is stripped.
import { type AuthProvider, Client, type ClientCapabilities, type OAuthClientProvider, SdkHttpError, SSEClientTransport, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { type Abortable, type ChangeKind, ErrorCode, type ListKind, type Logger, signalOf, WireError } from '../core/index.js';
import { redactText, redactUrl } from '../core/redact.js';
import { cappedFetch, type Fetch } from './capped-fetch.js';
import { rememberingSentToken } from './sent-token.js';
import { DepthGuard } from './depth-guard.js';
import { answerEndedStreams } from './ended-streams.js';
import { checkedItems, type LeftOut } from './list-check.js';
import { taskOnlyTools } from './legacy-task.js';
import { type ParamHeader, paramHeadersOf, paramHeaderValues } from '../wire/param-headers.js';
import { RawLane } from './raw-lane.js';
import { carriedTask, decodableResults } from './result-type.js';
import { StdioProcessTransport } from './stdio-process-transport.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';
import { isConnectionClosed, isSessionGone, upstreamError } from './upstream-errors.js';
import { debouncer, type ListenState, listChangedKind, openListen } from './upstream-listen.js';
import { specSecrets, type UpstreamSpec } from './upstream-spec.js';

/** The loose result schema: nothing is stripped from what an upstream returns. */
export const Passthrough = z.looseObject({});
export type Json = Record<string, unknown>;
/** The first revision of the stateless (2026) era. */
const MODERN = '2026-07-28';
/** What the client declares at connect when its owner says nothing else. */
const DEFAULT_CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} };
const LIST: Record<ListKind, { method: string; key: string; capability: ChangeKind }> = {
  tools: { method: 'tools/list', key: 'tools', capability: 'tools' },
  prompts: { method: 'prompts/list', key: 'prompts', capability: 'prompts' },
  resources: { method: 'resources/list', key: 'resources', capability: 'resources' },
  resourceTemplates: { method: 'resources/templates/list', key: 'resourceTemplates', capability: 'resources' },
};

/** What the gateway plugs in: where server→client traffic and state changes go. */
export interface UpstreamHooks {
  onRequest(upstream: Upstream, request: { method: string; params?: Json }, signal: AbortSignal): Promise<Json>;
  onNotification(upstream: Upstream, notification: { method: string; params?: Json }): void;
  onListChanged(upstream: Upstream, kind: ChangeKind): void;
  onStatus(upstream: Upstream): void;
}

export interface ForwardOptions {
  /** An AbortSignal, or a deadline's `cancel` (a signal is made from it only for the SDK client's requests). */
  signal?: Abortable;
  onprogress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /** Called if the upstream answers after the request was cancelled or timed out (seen on the raw stdio lane only). */
  onLateAnswer?: () => void;
  /** This request's own timeout (reset on progress, capped at 10×), instead of the spec's timeoutMs. */
  timeoutMs?: number;
}

/** Credentials toward an upstream; `sign` (DPoP proofs) wraps the fetch below the transport's headers. */
export type SigningAuthProvider = AuthProvider & { sign?: (inner: Fetch) => Fetch };

/** Per-connection HTTP plumbing the gateway plugs in (credentials toward the upstream, allow-listed headers). */
export interface UpstreamHttpOptions {
  /** The gateway's grants (SigningAuthProvider), or one of the SDK's OAuth providers (a machine's client credentials). */
  authProvider?: SigningAuthProvider | OAuthClientProvider;
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

interface Connection {
  client: Client;
  transport: Transport;
  /** Settles when the connection is gone, with an Error saying why when that is known (a child's exit). */
  closed: Promise<Error | undefined>;
  close(): Promise<void>;
  /** The direct path for forwarded requests, on 2025-era stdio connections. */
  raw?: RawLane;
}

function closeReason(name: string, transport: Transport): Error | undefined {
  const exit = transport instanceof StdioProcessTransport ? transport.lastExit : undefined;
  if (!exit) return undefined;
  return new Error(exit.signal ? `${name}: process was killed by ${exit.signal}` : `${name}: process exited with code ${exit.code}`);
}

/**
 * SDK 2.4 dispatches notifications a microtask late but responses at once, so progress (or a log) that arrives in
 * the same read as its result is dropped ("unknown token"). Delivering responses a microtask late keeps wire order.
 */
function responsesAfterNotifications(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    if ('id' in message && !('method' in message)) queueMicrotask(() => deliver.call(transport, message, extra));
    else deliver.call(transport, message, extra);
  };
}

/** Who asked for a restart: the health checks (a wedged server), an administrator, or a change to a watched file. */
export type RestartCause = 'health' | 'admin' | 'watch';

/** How long a closing connection waits for its server to end its session (DELETE). */
const END_SESSION_MS = 1000;

/**
 * Ends the session a Streamable HTTP server keeps for this connection (DELETE with its `Mcp-Session-Id`), as the spec
 * asks of a client done with one, so a restart or a stop leaves none behind to fill the server's session cap. Bounded;
 * a server that refuses (405) or is gone is no matter.
 */
async function endSession(transport: Transport): Promise<void> {
  if (!(transport instanceof StreamableHTTPClientTransport) || transport.sessionId === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([transport.terminateSession().catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, END_SESSION_MS)))]);
  clearTimeout(timer);
}

export class Upstream {
  /** What this upstream is; `retime` replaces its timeoutMs in place (a config reload need not restart). */
  #spec: UpstreamSpec;
  readonly #supervisor: Supervisor<Connection>;
  readonly #log: Logger;
  #stopped = true;
  #firstAttempt: Promise<void> = Promise.resolve();
  #settleFirstAttempt: (() => void) | undefined;
  /** A re-initialise in progress after the server forgot our session, and the connection it replaces. */
  #reinit: { conn: Connection | undefined; done: Promise<void>; forced?: boolean } | undefined;
  /** The current connection's listen stream (2026-era upstreams), for health. */
  #listen: ListenState = { state: 'none' };
  readonly #listChanged: (kind: ChangeKind) => void;
  #restartsByProbe = 0;
  #restartReason: string | undefined;
  #lastRestart: { by: RestartCause; reason: string; at: string } | undefined;
  /** Requests sent and not answered yet (a restart may let them finish first). */
  #inFlight = 0;
  /** A restart waiting for the requests in flight to finish: new ones are refused as "restarting" meanwhile. */
  #draining: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  /** SEP-2243: the parameters each tool mirrors in `Mcp-Param-*` headers, from the last tools/list. */
  #paramHeaders = new Map<string, readonly ParamHeader[]>();
  /** What the last listing of each kind left out (list-check.ts), the first 10: for /readyz and `mcplex check --connect`. */
  readonly #leftOut = new Map<ListKind, LeftOut[]>();
  /** The tools a 2025-era server runs only as tasks (legacy-task.ts), from the last tools/list. */
  #taskOnly = new Set<string>();
  /** The server refused Streamable HTTP and answered over the legacy SSE transport (`#mayBeSse`). */
  #sseFound = false;

  constructor(
    spec: UpstreamSpec,
    private readonly opts: {
      log: Logger;
      hooks: UpstreamHooks;
      clientInfo: { name: string; version: string };
      /** What to declare at connect (2025-era upstreams go by it; 2026-era ones get capabilities per request). */
      capabilities?: ClientCapabilities;
      supervisor?: SupervisorOptions;
      /** For HTTP upstreams: a bearer token source asked before every request, and a fetch (extra per-request headers). */
      http?: UpstreamHttpOptions;
      /** `_meta` for the lists this client reads on its own behalf (the gateway's signed identity, when configured). */
      listMeta?: () => Promise<Json>;
    },
  ) {
    this.#spec = spec;
    this.#listChanged = debouncer((kind) => opts.hooks.onListChanged(this, kind));
    this.#log = opts.log.child({ upstream: spec.name });
    this.#supervisor = new Supervisor(spec.name, () => this.#connect(), { ...opts.supervisor, log: this.#log });
    this.#supervisor.on('up', () => opts.hooks.onStatus(this));
    this.#supervisor.on('down', () => opts.hooks.onStatus(this));
  }

  get spec(): UpstreamSpec {
    return this.#spec;
  }

  get name(): string {
    return this.spec.name;
  }
  /** Connected, and taking new requests (not while calls in flight drain before a restart). */
  get up(): boolean {
    return this.#supervisor.state === 'up' && this.#supervisor.current !== undefined && this.#draining === undefined;
  }
  get client(): Client | undefined {
    return this.up ? this.#supervisor.current?.client : undefined;
  }

  status() {
    const client = this.client;
    const transport = this.#supervisor.current?.transport;
    const protocolVersion = client?.getNegotiatedProtocolVersion();
    return {
      name: this.name,
      transport: this.#sseFound ? 'sse' : this.spec.transport,
      state: this.#draining ? 'restarting' : this.#supervisor.state,
      era: client?.getProtocolEra(),
      ...(protocolVersion && { protocolVersion }),
      ...(client && this.#listen.state !== 'none' && { listen: this.#listen.state, ...(this.#listen.error && { listenError: this.#listen.error }) }),
      restarts: this.#supervisor.restarts,
      ...(this.#supervisor.lastError && { error: this.#supervisor.lastError }),
      ...(transport instanceof StdioProcessTransport && transport.pid !== undefined && { pid: transport.pid }),
      ...(this.#leftOut.size > 0 && { leftOut: [...this.#leftOut].flatMap(([kind, items]) => items.map((i) => ({ kind, ...i }))) }),
    };
  }

  start(): void {
    this.#stopped = false;
    this.#firstAttempt = new Promise<void>((resolve) => {
      const settle = () => {
        this.#supervisor.off('up', settle).off('down', settle);
        this.#settleFirstAttempt = undefined;
        resolve();
      };
      this.#settleFirstAttempt = settle;
      this.#supervisor.once('up', settle).once('down', settle);
    });
    this.#supervisor.start();
  }

  /** Settles when the first connection attempt since start() has succeeded or failed, or on stop(). */
  firstAttempt(): Promise<void> {
    return this.#firstAttempt;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#settleFirstAttempt?.();
    return this.#supervisor.stop();
  }

  #transport(): Transport | Promise<Transport> {
    const s = this.spec;
    if (s.transport === 'builtin') return s.open();
    if (s.transport === 'stdio') {
      const cap = s.maxMessageBytes !== undefined ? { maxLineBytes: s.maxMessageBytes } : {};
      return new StdioProcessTransport({ name: s.name, command: s.command, args: s.args, env: s.env, ...(s.cwd && { cwd: s.cwd }) }, { log: this.opts.log, ...cap });
    }
    // Each response (or SSE event) at most maxMessageBytes (10 MiB), as a stdio upstream's line.
    const capped = cappedFetch(this.opts.http?.fetch ?? fetch, s.maxMessageBytes);
    const provider = this.opts.http?.authProvider;
    const sign = provider && 'sign' in provider ? provider.sign : undefined;
    const options = { requestInit: { headers: s.headers }, ...this.opts.http, fetch: rememberingSentToken(sign ? sign(capped) : capped) };
    return this.#speaksSse ? new SSEClientTransport(new URL(s.url), options) : new StreamableHTTPClientTransport(new URL(s.url), options);
  }

  /** An HTTP upstream reached over the legacy SSE transport: named so, or found to refuse Streamable HTTP. */
  get #speaksSse(): boolean {
    return this.spec.transport === 'sse' || this.#sseFound;
  }

  /**
   * The spec's backwards-compatibility rule: a server that refuses Streamable HTTP's POST with 400, 404 or 405 may
   * speak the older HTTP+SSE transport; tried once, and kept for this upstream when it answers.
   */
  #mayBeSse(err: unknown): boolean {
    return this.spec.transport === 'http' && !this.#sseFound && err instanceof SdkHttpError && [400, 404, 405].includes(err.status as number);
  }

  async #connect(): Promise<Connection> {
    const hooks = this.opts.hooks;
    const protocol = this.spec.protocol ?? 'auto';
    // No `listChanged` option: on a 2026-era connection the SDK would hold connect until its listen is acknowledged.
    const client = new Client(this.opts.clientInfo, {
      capabilities: this.opts.capabilities ?? DEFAULT_CAPABILITIES,
      // The SDK pins 2026-era revisions only; a 2025-era pin is the plain initialize handshake offering just that one.
      ...(protocol === 'auto' || protocol >= MODERN
        ? { versionNegotiation: { mode: protocol === 'auto' ? 'auto' : { pin: protocol } } }
        : { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: [protocol] }),
      inputRequired: { autoFulfill: false },
    });
    client.fallbackRequestHandler = (request, ctx) => hooks.onRequest(this, { method: request.method, params: request.params as Json }, ctx.mcpReq.signal);
    client.fallbackNotificationHandler = async (n) => {
      const kind = listChangedKind(n.method);
      if (kind) this.#listChanged(kind);
      else hooks.onNotification(this, { method: n.method, params: n.params as Json });
    };
    const transport = await this.#transport();
    const closed = new Promise<Error | undefined>((resolve) => {
      client.onclose = () => resolve(closeReason(this.name, transport));
    });
    try {
      await client.connect(transport, { timeout: this.spec.connectTimeoutMs });
    } catch (err) {
      await client.close().catch(() => {});
      await transport.close().catch(() => {});
      if (this.#mayBeSse(err)) return this.#connectOverSse(err);
      throw this.#connectFailure(err);
    }
    responsesAfterNotifications(transport);
    // Stdio transports check depth on the raw line; the SDK's HTTP ones hand us parsed messages to check. Last, so first.
    if (!(transport instanceof StdioProcessTransport)) new DepthGuard(this.name, this.#log).install(transport);
    if (client.getProtocolEra() === 'modern') decodableResults(transport, this.#log);
    answerEndedStreams(transport, this.name);
    this.#log.info({ era: client.getProtocolEra(), server: client.getServerVersion() }, 'upstream connected');
    const listen: ListenState = { state: 'none' };
    this.#listen = listen;
    const closeListen = openListen(client, this.spec.connectTimeoutMs, this.#log, listen);
    // 2026-era upstreams need the SDK's per-request envelope and result decoding; HTTP ones its session handling.
    const raw = transport instanceof StdioProcessTransport && client.getProtocolEra() === 'legacy' ? new RawLane(transport) : undefined;
    const close = async () => {
      closeListen();
      await endSession(transport);
      return client.close();
    };
    return { client, transport, closed, close, ...(raw && { raw }) };
  }

  /** After Streamable HTTP was refused (`refused`): the legacy SSE transport, kept when it answers. */
  async #connectOverSse(refused: unknown): Promise<Connection> {
    this.#sseFound = true;
    try {
      const conn = await this.#connect();
      this.#log.info({ url: redactUrl((this.spec as { url: string }).url) }, 'upstream refused Streamable HTTP and answered over the legacy SSE transport; it is kept for this server');
      return conn;
    } catch (err) {
      this.#sseFound = false;
      // (`err` is already as health shows it: its own "Cannot connect … at <url>: " is said once.)
      const sse = String((err as Error).message).replace(/^Cannot connect to upstream '[^']*' at \S+: /, '');
      throw new Error(`${this.#connectFailure(refused).message} (HTTP ${(refused as SdkHttpError).status}); over the legacy SSE transport: ${sse}`);
    }
  }

  /**
   * A connect error as health shows it: where we tried, and the whole cause chain ("fetch failed" alone says little),
   * with credentials scrubbed. The raw error is not kept as `cause`: it may quote them.
   */
  #connectFailure(err: unknown): Error {
    const secrets = specSecrets(this.spec);
    if (!(err instanceof Error)) return new Error(redactText(String(err), secrets));
    if (this.spec.transport !== 'http' && this.spec.transport !== 'sse') {
      const message = redactText(err.message, secrets);
      return message === err.message ? err : new Error(message);
    }
    const parts: string[] = [];
    for (let e: unknown = err; e instanceof Error && parts.length < 5; e = e.cause) {
      const text = (e as NodeJS.ErrnoException).code && !e.message ? String((e as NodeJS.ErrnoException).code) : e.message;
      if (text && !parts.some((p) => p.includes(text))) parts.push(text);
    }
    return new Error(redactText(`Cannot connect to upstream '${this.name}' at ${redactUrl(this.spec.url)}: ${parts.join(': ')}`, secrets));
  }

  /** The error for a call that reaches this server while it is down, with the reason when known. */
  unavailable(): WireError {
    if (this.#draining) return new WireError(ErrorCode.UpstreamUnavailable, `Server '${this.name}' is restarting; try again shortly`, { retryAfterMs: 500 });
    const why = this.#supervisor.lastError ? `: ${this.#supervisor.lastError}` : '';
    return new WireError(ErrorCode.UpstreamUnavailable, `Server '${this.name}' is unavailable${why}`);
  }

  /** Requests sent from now on use `timeoutMs`; those in flight keep theirs. */
  retime(timeoutMs: number): void {
    this.#spec = { ...this.#spec, timeoutMs };
  }

  /** Whether this (2025-era) server runs its tool `name` only as a task, as its last tools/list said. */
  runsOnlyAsTask(name: string): boolean {
    return this.#taskOnly.has(name);
  }

  /**
   * Forwards one request; fails fast while the server is down. After a 404 (the server forgot our session: it
   * restarted, or expired it) re-initialises once and retries; requests that meet the same dead session, or that
   * were cut off by that re-initialise, share it instead of starting their own.
   */
  async request(method: string, params: Json | undefined, { timeoutMs: own, ...opts }: ForwardOptions = {}): Promise<Json> {
    const timeoutMs = own ?? this.#spec.timeoutMs;
    this.#inFlight++;
    try {
      for (let attempt = 0; ; attempt++) {
        if (!this.up && this.#reinit) await this.#reinit.done;
        const conn = this.#supervisor.current;
        const client = this.client;
        if (!client) throw this.unavailable();
        try {
          if (conn?.raw) return await conn.raw.request(method, params, { timeoutMs, ...opts });
          const { onLateAnswer: _late, ...sdkOpts } = opts;
          const headers = method === 'tools/call' ? this.#paramHeaderValues(client, params) : undefined;
          const result = await client.request({ method, ...(params && { params }) } as never, Passthrough, {
            timeout: timeoutMs,
            allowInputRequired: true,
            ...(headers && { headers }),
            ...(sdkOpts.signal && { signal: signalOf(sdkOpts.signal) }),
            ...(sdkOpts.onprogress && { onprogress: sdkOpts.onprogress, resetTimeoutOnProgress: true, maxTotalTimeout: 10 * timeoutMs }),
          });
          return carriedTask(result);
        } catch (err) {
          // Not after a forced restart (restart()): the wedged server may have acted on what it was sent.
          const cutOff = this.#reinit !== undefined && !this.#reinit.forced && this.#reinit.conn === conn && isConnectionClosed(err);
          if (attempt === 0 && !opts.signal?.aborted && (isSessionGone(err) || cutOff)) {
            await this.#reinitialise(conn);
            continue;
          }
          throw upstreamError(this.name, err, timeoutMs, opts.signal, specSecrets(this.#spec));
        }
      }
    } finally {
      // A restart waiting for the calls in flight (restart's drainMs) goes ahead once the last one is done.
      if (--this.#inFlight === 0) this.#drained?.();
    }
  }

  /**
   * Replaces the connection with a fresh one now (a stdio server's process too): a live but unresponsive one (a
   * wedged server: its process alive, its pings unanswered; `by: 'health'`, whose `reason` becomes the last error that
   * health and "unavailable" errors show), or at an administrator's word or a watched file's change. A connection
   * that is down tries again at once. Calls in flight on the old connection fail (none is sent again by itself: the
   * server may have acted on it).
   */
  restart(reason: string, by: RestartCause = 'health', drainMs = 0): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    // One restart at a time: a second asked while the first drains is the same restart.
    if (this.#draining) return this.#draining;
    if (by === 'health') {
      this.#log.warn({ reason }, 'restarting unresponsive upstream');
      this.#restartReason = reason;
      this.#restartsByProbe++;
    } else this.#log.info({ reason, by, ...(this.#inFlight > 0 && drainMs > 0 && { draining: this.#inFlight }) }, 'restarting upstream');
    this.#lastRestart = { by, reason, at: new Date().toISOString() };
    if (this.#inFlight === 0 || drainMs <= 0 || !this.up) return this.#replace();
    const draining = this.#drain(drainMs).then(() => {
      this.#draining = undefined;
      return this.#stopped ? undefined : this.#replace();
    });
    this.#draining = draining;
    return draining;
  }

  /** A live connection replaced at once (its requests cut off, none sent again); one that is down tried again now. */
  #replace(): Promise<void> {
    return this.up ? this.#reinitialise(this.#supervisor.current, true) : this.#restartNow();
  }

  /** Resolves when no request is in flight, or after `ms` (those left are cut off by the restart). */
  #drain(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#drained = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#drained = done;
    });
  }

  /** The last restart asked for (health checks, an administrator, a watched file), for health. */
  get lastRestart(): { by: RestartCause; reason: string; at: string } | undefined {
    return this.#lastRestart;
  }

  /** A connection that is down tries again now rather than after its backoff (its credentials just arrived). */
  reconnect(): Promise<void> {
    if (this.#stopped || this.up) return Promise.resolve();
    return this.#restartNow();
  }

  /** Restarts requested with restart() (health checks), and why the last one was. */
  get forcedRestarts(): { count: number; reason?: string } {
    return { count: this.#restartsByProbe, ...(this.#restartReason && { reason: this.#restartReason }) };
  }

  /** Replaces `conn` with a fresh connection at once (no restart backoff, no down/up flap in the catalog). */
  #reinitialise(conn: Connection | undefined, forced = false): Promise<void> {
    if (this.#reinit && this.#reinit.conn === conn) return this.#reinit.done;
    if (conn !== this.#supervisor.current) return Promise.resolve(); // someone already replaced it
    if (!forced) this.#log.info('upstream session expired; re-initialising');
    // Registered before the old connection closes, so requests it cuts off find it and wait.
    const reinit = { conn, done: Promise.resolve(), forced };
    this.#reinit = reinit;
    reinit.done = this.#restartNow().finally(() => {
      if (this.#reinit === reinit) this.#reinit = undefined;
    });
    return reinit.done;
  }

  async #restartNow(): Promise<void> {
    let onUp = () => {};
    const up = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.spec.connectTimeoutMs + 1000);
      onUp = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#supervisor.once('up', onUp);
    });
    // stop() + start() rather than closing the connection: the supervisor would count that as a crash and back off.
    await this.#supervisor.stop();
    if (!this.#stopped) {
      this.#supervisor.start();
      await up;
    }
    this.#supervisor.off('up', onUp);
    onUp();
  }

  /**
   * The `Mcp-Param-*` headers of a tools/call to a 2026-era server over HTTP (SEP-2243), as the SDK's own
   * `callTool` would send them: from the tool's last listed schema and the call's arguments.
   */
  #paramHeaderValues(client: Client, params: Json | undefined): Record<string, string> | undefined {
    if (this.#paramHeaders.size === 0 || this.#spec.transport !== 'http' || client.getProtocolEra() !== 'modern') return undefined;
    const declared = this.#paramHeaders.get(String(params?.name));
    return declared && paramHeaderValues(declared, params?.arguments);
  }

  /**
   * One page of a list. A server that declares the capability but not this list's method (`resources` without
   * `resources/templates/list`: server-postgres) answers its first page -32601: an empty list, not a failure.
   */
  async #listPage(method: string, params: Json | undefined, page: number): Promise<Json> {
    try {
      return await this.request(method, params);
    } catch (err) {
      if (page > 0 || (err as { code?: unknown }).code !== ErrorCode.MethodNotFound) throw err;
      this.#log.debug({ method }, 'the server does not list this; taken as empty');
      return {};
    }
  }

  /** Every item of a list, across all pages; empty when the server lacks the capability. */
  async list(kind: ListKind): Promise<Json[]> {
    const { method, key, capability } = LIST[kind];
    if (!this.client?.getServerCapabilities()?.[capability]) return [];
    const items: Json[] = [];
    const leftOut: LeftOut[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const meta = await this.opts.listMeta?.();
      const params = { ...(cursor && { cursor }), ...(meta && { _meta: meta }) };
      const result = await this.#listPage(method, Object.keys(params).length > 0 ? params : undefined, page);
      const checked = checkedItems(kind, result[key]);
      items.push(...checked.items);
      leftOut.push(...checked.leftOut);
      cursor = typeof result.nextCursor === 'string' && result.nextCursor ? result.nextCursor : undefined;
      if (!cursor) {
        if (leftOut.length === 0) this.#leftOut.delete(kind);
        else {
          this.#leftOut.set(kind, leftOut.slice(0, 10));
          this.#log.warn({ kind, leftOut: leftOut.slice(0, 10), count: leftOut.length }, `left out of the ${kind} list what the server listed that is not one`);
        }
        if (kind === 'tools') {
          this.#paramHeaders = new Map(items.flatMap((t) => (paramHeadersOf(t.inputSchema).length > 0 ? [[String(t.name), paramHeadersOf(t.inputSchema)]] : [])));
          this.#taskOnly = taskOnlyTools(items);
        }
        return items;
      }
    }
    this.#log.warn({ kind }, 'stopped listing after 100 pages');
    return items;
  }
}
