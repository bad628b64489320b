// The HTTP edge: health endpoints, Host/Origin checks and CORS, body cap and JSON checks, then both eras on one
// endpoint — 2025-era traffic to sessionful transports, 2026-07-28 traffic to the lane of one pinned server
// (plain requests) or to the SDK's per-request handler (everything else).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { type AuthInfo, createMcpHandler, isJsonContentType, type JSONRPCMessage, type MessageExtraInfo, type RequestId, type Server } from '@modelcontextprotocol/server';
import { ANONYMOUS, type Era, ErrorCode, type Logger } from '../../core/index.js';
import type { Admit } from '../gate.js';
import { identityOf } from '../identity.js';
import { isPipelined } from '../targets.js';
import { keepBodyOf, keptBodyOf, prereadJsonBody, readMcpBody, refuseTooLarge } from './body.js';
import { classifyHttpPost } from './classify.js';
import { Cors } from './cors.js';
import { EdgeAuth } from './edge-auth.js';
import { RefusalLimit, refusalWarning } from './refusal-limit.js';
import { withHeaderMismatchStatus } from './header-mismatch.js';
import { refusal } from './guards.js';
import { LegacySessions, type SessionReport } from './legacy-sessions.js';
import { SessionForwarder } from './session-forwarding.js';
import { fitsModernLane, ModernLane } from './modern-lane.js';
import { type HttpRoute, type HttpServeOptions, legacySsePaths, resolveHttpOptions } from './options.js';
import { sendJson, sendRpcError } from './respond.js';
import { TASK_PARAMS } from '../tasks/task-methods.js';
import { heldRoundKey, taskKey } from '../held-rounds.js';
import { ListenStreams, type ListenNotifier } from './listen-streams.js';
import { type AdmittedMessage, serveAdmitted } from './sdk-admitted.js';
import { httpsOptions } from './tls.js';


/** A path of the legacy HTTP+SSE transport: its stream or its messages path, beside an MCP path (and endpoint). */
interface LegacySsePath {
  kind: 'stream' | 'messages';
  mcpPath: string;
  messages: string;
  endpoint: string | undefined;
}

/** A GET that opens a legacy SSE stream: it asks for one, naming no Streamable HTTP session or protocol version. */
const isLegacySseGet = (req: IncomingMessage) =>
  req.method === 'GET' && req.headers['mcp-session-id'] === undefined && req.headers['mcp-protocol-version'] === undefined && (req.headers.accept ?? '').includes('text/event-stream');

export interface HttpHandle {
  /** The URL clients connect to, e.g. http://127.0.0.1:7333/mcp */
  readonly url: string;
  readonly port: number;
  /** Publishes 2026-era change events to open `subscriptions/listen` streams (list changes to whom may hear them). */
  readonly notify: ListenNotifier;
  /** 2025-era sessions open now (the 2026 era has none: each request stands alone). */
  sessionCount(): number;
  /** Those sessions as an administrator sees them, and closing one (false if this listener holds none by that id). */
  readonly sessions: { report(): SessionReport[]; close(id: string): boolean };
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes sessions. */
  close(): Promise<void>;
}

/** Builds a server for one session or request; `httpOf` finds a request's HTTP view when the SDK cannot give it. */
export type ServerFactory = (era: Era, httpOf?: (id: RequestId) => MessageExtraInfo | undefined) => Server;

export async function serveHttp(
  makeServer: ServerFactory,
  options: HttpServeOptions,
  log: Logger,
  /** Admits requests the SDK answers itself; on this path, the 2026-era ones the SDK's per-request handler serves. */
  admit?: Admit,
): Promise<HttpHandle> {
  const o = resolveHttpOptions(options);
  const cors = new Cors(o.cors);
  // Set once listening when not configured: this listener's own origin.
  let advertise = o.cluster?.advertise;
  // The legacy HTTP+SSE transport's paths beside each MCP path: the stream (GET) and where its messages go (POST).
  const sseAt = new Map<string, LegacySsePath>();
  if (o.legacySse) {
    for (const [mcpPath, endpoint] of [[o.path, undefined] as const, ...o.endpoints.map((e) => [e.path, e.name] as const)]) {
      const { stream, messages } = legacySsePaths(mcpPath);
      sseAt.set(stream, { kind: 'stream', mcpPath, messages, endpoint });
      sseAt.set(messages, { kind: 'messages', mcpPath, messages, endpoint });
    }
  }
  const refusals = o.auth && o.refusalLimit ? new RefusalLimit(o.refusalLimit, refusalWarning(log), Date.now, undefined, o.refusalStore) : undefined;
  const edgeAuth = new EdgeAuth(o.auth, o.path, {
    ...(o.resource && { resource: o.resource }),
    endpointPaths: o.endpoints.map((e) => e.path),
    aliasPaths: new Map([...sseAt].map(([path, sse]) => [path, sse.mcpPath])),
    clientAddress: o.clientAddress,
    publicOrigin: o.publicOrigin,
    publicPrefix: o.publicPrefix,
    ...(refusals && { refusals }),
    ...(o.onAuthRefused && { onRefused: o.onAuthRefused }),
  });
  // An OAuth caller refused for want of scope hears 403 with the step-up challenge (EdgeAuth.stepUpChallenge).
  const answerStatus = o.auth ? (req: IncomingMessage, answer: JSONRPCMessage) => edgeAuth.stepUpChallenge(req, answer) : undefined;
  const directory = o.cluster && new SessionForwarder({ owners: o.cluster.owners, advertise: () => advertise ?? '' }, o.sessionIdleTtlMs, log, o.proxyHeaders);
  const sessions = new LegacySessions(() => makeServer('legacy'), {
    ...(directory && { directory }),
    idleTtlMs: o.sessionIdleTtlMs,
    maxSessions: o.maxSessions,
    maxSessionsPerClient: o.maxSessionsPerClient,
    owner: o.sessionOwner,
    // A session is its principal's on the path it opened: used at another endpoint it is not found.
    principalOf: (req) => {
      const identity = identityOf((req as { auth?: Parameters<typeof identityOf>[0] }).auth);
      const p = identity?.principal;
      return `${p ? `${p.kind}:${p.id}` : 'anonymous'}${identity?.endpoint === undefined ? '' : ` at ${identity.endpoint}`}`;
    },
    maxInflightPerSession: o.maxInflightPerSession,
    maxBatchSize: o.maxBatchSize,
    maxBufferedBytes: o.maxBufferedBytes,
    streamKeepAliveMs: o.streamKeepAliveMs,
    ...(o.onSessionEnded && { onEnded: o.onSessionEnded }),
    ...(answerStatus && { answerStatus }),
    // Their POSTs are answered at once: their calls count as in flight until answered, for the shutdown's grace.
    onSseBusy: (delta) => {
      inflightPosts += delta;
      if (inflightPosts === 0) drained?.();
    },
    log,
  });
  // Tasks across replicas: each is recorded where it runs, for its ttlMs; requests for another's are forwarded there.
  // Once claimed, a record that it runs is kept too: a replica that finds the record but not its owner knows the
  // task was lost with that replica.
  const settled = directory ? o.cluster?.settled : undefined;
  const stopRecordingTasks =
    directory &&
    o.tasks?.onCreated(async (task) => {
      const warn = (what: string) => (err: Error) => log.warn({ task: task.taskId, problem: err.message }, `task directory: ${what}`);
      // Awaited before the task is announced to its caller (`createdWhenKnown`): its next request may reach any replica.
      await o.cluster?.owners
        .claim(taskKey(task.taskId), advertise ?? '', task.ttlMs)
        .then(() => o.tasks?.started(task).catch(warn('its record was not kept; should this replica crash, the others will not know the task')), warn('claim failed; other replicas cannot reach this task'));
    });
  // …and each one that ends is kept where the others read it, for when this replica is gone.
  const ownerGone = async (taskId: string) => {
    const owner = await o.cluster?.owners.ownerOf(taskKey(taskId));
    // Nobody holds it (its owner was unreachable, or its claim ran out), or this replica did before it restarted.
    return owner === undefined || owner === advertise;
  };
  const stopSharingTasks =
    settled && o.tasks?.share(settled, { failed: (task, err) => log.warn({ task: task.taskId, problem: err.message }, 'task directory: an ended task was not kept; other replicas will not find it'), ownerGone });
  // Calls held between rounds (the gateway's input bridge): recorded so the next round reaches this replica.
  o.cluster?.held?.((state, ttlMs) => {
    const key = heldRoundKey(state);
    if (key) o.cluster?.owners.claim(key, advertise ?? '', ttlMs).catch((err: Error) => log.warn({ problem: err.message }, 'round directory: claim failed; other replicas cannot reach this call'));
  });
  const onerror = (err: Error) => log.debug({ err }, 'protocol error');
  const modern = createMcpHandler(() => makeServer('modern'), { legacy: 'reject', maxRequestBodySize: o.maxBodyBytes, onerror });
  const lane = new ModernLane((httpOf) => makeServer('modern', httpOf), onerror, { maxBufferedBytes: o.maxBufferedBytes, log }, answerStatus);
  // Only the 2026-era requests the lane does not take go through web Request/Response (the SDK's handler).
  const adapterOptions = { maxRequestBodySize: o.maxBodyBytes, onerror: (err: Error) => log.error({ err }, 'http adapter error') };
  const modernAdapter = toNodeHandler(withHeaderMismatchStatus((request, options) => modern.fetch(request, options)), adapterOptions);
  const listens = new ListenStreams({
    handler: (bus) => createMcpHandler(() => makeServer('modern'), { legacy: 'reject', maxRequestBodySize: o.maxBodyBytes, onerror, bus }),
    adapter: adapterOptions,
    onerror,
  });
  let closing = false;
  /** close() was called: /readyz answers 503 while requests are still served for `drainMs`. */
  let draining = false;
  let endDrain: (() => void) | undefined;
  let closed: Promise<void> | undefined;
  let inflightPosts = 0;
  let drained: (() => void) | undefined;
  let listenStreams = 0;
  const endpointAt = new Map(o.endpoints.map((e) => [e.path, e.name]));

  /** Status and readiness for anyone past the Host/Origin check; upstream detail only for whom `readinessDetail` allows. */
  function readyz(req: IncomingMessage, res: ServerResponse): void {
    const extra = o.readiness?.() ?? {};
    const ready = !closing && !draining && extra.ready !== false;
    const status = closing || draining ? 'shutting down' : ready ? 'ready' : 'not ready';
    sendJson(res, ready ? 200 : 503, o.readinessDetail(req) ? { ...extra, status, ready, sessions: sessions.size } : { status, ready });
  }

  async function serveRoute(route: HttpRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== route.method) return sendJson(res, 405, { error: `Method not allowed; use ${route.method}` }, { allow: route.method });
    const startedAt = Date.now();
    const started = performance.now();
    if (route.admin) {
      const refused = await edgeAuth.identifyForRoute(req);
      if (refused) return edgeAuth.refuse(req, res, refused);
      if (!o.isAdmin(req)) {
        sendJson(res, 403, { error: 'Forbidden: this endpoint is for administrators' });
        return adminChange(route, req, res.statusCode, startedAt, started);
      }
    }
    const change = route.admin === true && route.method !== 'GET' && o.onAdminChange !== undefined;
    // An admin change's body is JSON (as the CLI and the admin page send it), named so: a form or text/plain body,
    // which a browser sends cross-site without asking first, is refused before it is read.
    if (route.admin && (route.method === 'POST' || route.method === 'PUT') && !isJsonContentType(req.headers['content-type'] ?? null)) {
      sendJson(res, 415, { error: 'Unsupported Media Type: Content-Type must be application/json' });
      return adminChange(route, req, res.statusCode, startedAt, started);
    }
    if (change) keepBodyOf(req);
    // About something another replica holds (a task it runs): answered there. Audited there too.
    if (route.heldBy && directory) {
      const read = await prereadJsonBody(req, 64 * 1024, 16);
      const key = read.ok ? route.heldBy(read.value) : undefined;
      if (read.ok && key !== undefined && (await directory.forward(key, req, res, read.value, false))) return;
    }
    try {
      await route.handle(req, res);
    } catch (err) {
      log.error({ err, path: route.path }, 'route failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.destroy();
    }
    if (change) adminChange(route, req, res.statusCode, startedAt, started);
  }

  /** An admin request that may change something (any method but GET), reported once answered. */
  function adminChange(route: HttpRoute, req: IncomingMessage, status: number, startedAt: number, started: number): void {
    if (!o.onAdminChange || route.method === 'GET') return;
    const body = keptBodyOf(req);
    const identity = identityOf((req as { auth?: AuthInfo }).auth);
    const principal = identity?.principal ?? ANONYMOUS;
    const client = identity?.remoteAddress ?? o.clientAddress(req);
    try {
      o.onAdminChange({ method: route.method, path: route.path, principal, ...(client !== undefined && { client }), status, ...(body !== undefined && { body }), startedAt, durationMs: performance.now() - started });
    } catch (err) {
      log.error({ err, path: route.path }, 'admin change not reported');
    }
  }

  /** A JSON POST's body; undefined once refused (media type, size, depth, syntax, or shutting down). */
  async function postBody(req: IncomingMessage, res: ServerResponse): Promise<{ value: unknown } | undefined> {
    if (!isJsonContentType(req.headers['content-type'] ?? null)) {
      return void sendRpcError(res, 415, ErrorCode.InvalidRequest, 'Unsupported Media Type: Content-Type must be application/json');
    }
    const body = await readMcpBody(req, o.maxBodyBytes, o.maxJsonDepth);
    if (!body.ok && body.status === 413) return void refuseTooLarge(req, res, body.message, o.maxBodyBytes);
    if (!body.ok) return void sendRpcError(res, body.status, body.code, body.message);
    if (closing) return void sendRpcError(res, 503, ErrorCode.InternalError, 'Server is shutting down', { connection: 'close' });
    return body;
  }

  /** The legacy HTTP+SSE transport: GET on the stream path opens a session, POST on the messages path feeds one. */
  async function serveLegacySse(sse: LegacySsePath, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = sse.kind === 'stream' ? 'GET' : 'POST';
    if (req.method !== method) {
      const use = sse.kind === 'stream' ? 'GET opens a legacy SSE stream, whose endpoint event names where to POST' : `POST messages here; GET ${legacySsePaths(sse.mcpPath).stream} opens the stream`;
      return sendRpcError(res, 405, ErrorCode.InvalidRequest, `Method not allowed; ${use}`, { allow: method });
    }
    if (sse.kind === 'stream') return sessions.openSse(req, res, `${o.publicPrefix(req)}${sse.messages}`);
    const body = await postBody(req, res);
    if (body) await sessions.postSse(req, res, body.value);
  }

  /** A 404 naming what is served: the admin endpoints for a path under /admin/, else the MCP endpoint. */
  function notFound(path: string, res: ServerResponse): void {
    const admin = o.routes.filter((r) => r.admin).map((r) => `${r.method} ${r.path}`);
    const body = path.startsWith('/admin/') && admin.length > 0 ? { error: `Not found: no admin endpoint at ${path} (the admin endpoints are listed in endpoints)`, endpoints: admin } : { error: `Not found; the MCP endpoint is ${o.path}` };
    sendJson(res, 404, body);
  }

  /** The route at `path` for the request's method, else another method's (answered 405). */
  const routeOf = (path: string, method: string | undefined) => o.routes.find((r) => r.path === path && r.method === method) ?? o.routes.find((r) => r.path === path);

  /**
   * The route a request reaches at `path`; behind a trusted proxy that mounts the server under a prefix and strips
   * it, also one named by its public path (a configured `oauth.callbackUrl` under that prefix).
   */
  function routeAt(req: IncomingMessage, path: string): HttpRoute | undefined {
    const route = routeOf(path, req.method);
    if (route) return route;
    const prefix = o.publicPrefix(req);
    return prefix ? routeOf(`${prefix}${path}`, req.method) : undefined;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const sse = sseAt.get(path);
    const endpoint = sse ? sse.endpoint : endpointAt.get(path);
    const mcp = path === o.path || endpoint !== undefined || sse !== undefined;
    const health = path === '/healthz' || path === '/readyz';
    const extra = mcp || health ? undefined : routeAt(req, path);
    const metadata = !extra && edgeAuth.isMetadataPath(path);
    if (!mcp && !health && !extra && !metadata) return notFound(path, res);
    // Health answers too: a DNS-rebinding page must not read them.
    // Pages at the `cors` origins may call what browser-based clients call: not the admin routes or metrics.
    const origin = req.headers.origin;
    const corsPath = origin !== undefined && (mcp || health || metadata || o.routes.some((r) => r.path === extra?.path && r.cors));
    const refused = refusal(req, o, corsPath ? cors : undefined);
    if (refused) return sendRpcError(res, 403, ErrorCode.InvalidRequest, refused);
    if (corsPath && cors.allows(origin)) {
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        res.writeHead(204, cors.preflightHeaders(origin, req.headers['access-control-request-headers'])).end();
        return;
      }
      for (const [name, value] of Object.entries(cors.answerHeaders(origin))) res.setHeader(name, value);
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (metadata) return edgeAuth.serveMetadata(req, res);
    if (path === '/readyz') {
      await edgeAuth.identifyForRoute(req);
      return readyz(req, res);
    }
    if (extra) return serveRoute(extra, req, res);
    // Who is calling, established here for every request (before any session lookup) and carried to the pipeline
    // with every message of this request.
    const found = edgeAuth.identify(req, endpoint);
    const identity = found instanceof Promise ? await found : found;
    if (!('auth' in identity)) return edgeAuth.refuse(req, res, identity);
    (req as { auth?: unknown }).auth = identity.auth;
    if (identity.nonce) res.setHeader('dpop-nonce', identity.nonce);
    if (closing) return sendRpcError(res, 503, ErrorCode.InternalError, 'Server is shutting down', { connection: 'close' });
    if (sse) return serveLegacySse(sse, req, res);
    // A client of the legacy SSE transport given the MCP URL itself (its GET names no session and no protocol
    // version): its stream is opened here as at …/sse, so one URL serves every client.
    if (o.legacySse && isLegacySseGet(req)) return sessions.openSse(req, res, `${o.publicPrefix(req)}${legacySsePaths(path).messages}`);
    if (req.method === 'GET' || req.method === 'DELETE') return sessions.handle(req, res);
    if (req.method !== 'POST') return sendRpcError(res, 405, ErrorCode.InvalidRequest, 'Method not allowed; use POST, GET or DELETE', { allow: 'POST, GET, DELETE' });
    const body = await postBody(req, res);
    if (!body) return;
    // A POST is in flight once its body has arrived, until its response is over or its client has gone ('close'
    // covers both). The SDK never answers a cancelled 2025-era request, so its stream may stay open until the
    // session closes.
    inflightPosts++;
    res.once('close', () => {
      if (--inflightPosts === 0) drained?.();
    });
    const route = classifyHttpPost(req, body.value);
    const listen = route !== 'legacy' && route.kind === 'modern' && route.messageKind === 'request' && (route.message as { method: string }).method === 'subscriptions/listen';
    if (listen) {
      if (listenStreams >= o.maxListenStreams) {
        const message = `Too many open subscriptions/listen streams: the limit is ${o.maxListenStreams}; try again later`;
        return sendJson(res, 503, { jsonrpc: '2.0', id: (route.message as { id: RequestId }).id, error: { code: ErrorCode.ServerError, message } });
      }
      listenStreams++;
      res.once('close', () => listenStreams--);
    }
    if (directory && route !== 'legacy' && route.kind === 'modern' && route.messageKind === 'request') {
      const { method, params } = route.message as { method: string; params?: { taskId?: unknown; requestState?: unknown } };
      // A task another replica runs: its tasks/get, tasks/update and tasks/cancel go there.
      const taskId = params?.taskId;
      if (o.tasks && TASK_PARAMS.has(method) && typeof taskId === 'string' && !o.tasks.has(taskId) && (await directory.forward(taskKey(taskId), req, res, body.value))) return;
      // The next round of a call another replica holds between rounds (held-rounds.ts) goes there too.
      const held = heldRoundKey(params?.requestState);
      if (held !== undefined && (await directory.forward(held, req, res, body.value))) return;
    }
    // A listen's stream is its caller's: it hears only of changes its principal and endpoint may see.
    const deliver = listen ? listens.adapterFor(identity.edge, res) : modernAdapter;
    if (route === 'legacy' || route.kind === 'legacy') await sessions.handle(req, res, body.value);
    else if (lane.open && fitsModernLane(req, route)) lane.serve(req, res, route);
    else if (admit && route.kind === 'modern' && route.messageKind === 'request' && !isPipelined((route.message as { method: string }).method)) {
      await serveAdmitted({ admit, edgeAuth, deliver }, identity.edge, req, res, route.message as AdmittedMessage, body.value);
    } else await deliver(req, res, body.value);
  }

  // Node's defaults let a slow request hold its connection for 5 minutes; the check interval bounds how late a
  // timeout is noticed.
  const connectionsCheckingInterval = Math.max(100, Math.min(5_000, o.headersTimeoutMs / 2));
  const serverOptions = { headersTimeout: o.headersTimeoutMs, requestTimeout: o.requestTimeoutMs, connectionsCheckingInterval };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    onRequest(req, res).catch((err) => {
      log.error({ err }, 'unhandled error serving HTTP request');
      if (!res.headersSent) sendRpcError(res, 500, ErrorCode.InternalError, 'Internal error');
      else res.destroy();
    });
  };
  const http = o.tls ? createHttpsServer({ ...serverOptions, ...httpsOptions(o.tls) }, listener) : createServer(serverOptions, listener);
  http.keepAliveTimeout = o.keepAliveTimeoutMs;
  http.maxConnections = o.maxConnections;
  let dropped = 0;
  http.on('drop', () => {
    // One line per burst, not per connection.
    if (dropped++ === 0) setTimeout(() => {
      log.warn({ dropped, limit: o.maxConnections }, 'connection limit reached; new connections were refused');
      dropped = 0;
    }, 1_000).unref();
  });
  // A client that asks before sending an oversize body is told so without sending it.
  http.on('checkContinue', (req, res) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBodyBytes) {
      return sendRpcError(res, 413, ErrorCode.InvalidRequest, `Request body too large: the limit is ${o.maxBodyBytes} bytes`, { connection: 'close' });
    }
    res.writeContinue();
    http.emit('request', req, res);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  if (o.cluster && !advertise) {
    advertise = `${o.tls ? 'https' : 'http'}://${hostForUrl}:${port}`;
    if (o.host === '0.0.0.0' || o.host === '::') log.warn({ advertise }, 'cluster.advertise is not set: replicas on other hosts cannot reach this one; set it to an address they can');
  }

  /** Drains (`drainMs`), then stops accepting, lets in-flight requests finish (`shutdownGraceMs`) and closes. */
  async function shutDown(): Promise<void> {
    if (o.drainMs > 0) {
      draining = true;
      log.info({ drainMs: o.drainMs }, 'draining: /readyz answers 503 while requests are still served; then the listener closes');
      await new Promise<void>((resolve) => {
        endDrain = resolve;
        setTimeout(resolve, o.drainMs).unref();
      });
    }
    closing = true;
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    if (inflightPosts > 0) {
      await Promise.race([new Promise<void>((r) => (drained = r)), new Promise((r) => setTimeout(r, o.shutdownGraceMs).unref())]);
    }
    stopRecordingTasks?.();
    // Tasks still running stop with this replica: kept as cancelled, so pollers elsewhere learn what became of them.
    if (stopSharingTasks) {
      await o.tasks?.endAll('The replica running this task stopped; call the tool again');
      stopSharingTasks();
    }
    await Promise.allSettled([sessions.closeAll(), modern.close(), listens.close(), lane.close()]);
    http.closeAllConnections();
    await stopped;
  }

  return {
    url: `${o.tls ? 'https' : 'http'}://${hostForUrl}:${port}${o.path}`,
    port,
    notify: listens.notify,
    sessionCount: () => sessions.size,
    sessions: { report: () => sessions.report(), close: (id) => sessions.close(id) },
    close() {
      // Asked again while draining (a second SIGTERM): the drain ends now; the same close goes on.
      if (closed) {
        endDrain?.();
        return closed;
      }
      closed = shutDown();
      return closed;
    },
  };
}
