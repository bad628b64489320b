// Options for serving a server over Streamable HTTP, with safe defaults: every buffer, queue, count and wait
// the edge keeps on behalf of a client has a bound here.
import type { TaskRegistry } from '../tasks/task-registry.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { ADMIN_SCOPE, isLoopback } from '../../core/index.js';
import type { AdminAuditEvent } from '../../middleware/audit.js';
import type { Authenticator } from '../../middleware/auth/index.js';
import { identityOf } from '../identity.js';
import type { SessionOwners } from '../../core/session-owners.js';
import type { SettledTasks } from '../../core/settled-tasks.js';
import type { RateLimitStore, RateRule } from '../../core/rate-limit-store.js';
import { type ClientAddressOf, clientAddressOf } from './client-address.js';
import type { ProxyHeaders } from './forwarded.js';
import type { SessionEnded } from './legacy-sessions.js';
import { type PublicOriginOf, type PublicPrefixOf, publicOriginOf, publicPrefixOf } from './public-origin.js';
import { DEFAULT_REFUSAL_LIMIT } from './refusal-limit.js';
import type { CorsOptions } from './cors.js';
import type { TlsOptions } from './tls.js';

/** The caller as the edge established it (principal and client address): whom per-client limits count. */
const callerOf = (req: IncomingMessage) => {
  const identity = identityOf((req as { auth?: AuthInfo }).auth);
  return `${identity?.principal.id ?? 'anonymous'}@${identity?.remoteAddress ?? req.socket.remoteAddress ?? 'unknown'}`;
};

/** Who may read /readyz in full (upstream names, states, errors) rather than just `status` and `ready`. */
export type ReadinessDetail = 'full' | 'minimal' | 'local' | ((req: IncomingMessage) => boolean);

export interface HttpServeOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (an ephemeral port, see `handle.url`). */
  port?: number;
  /** Endpoint path; default '/mcp'. */
  path?: string;
  /**
   * More MCP paths, each a named endpoint: a request there carries the name (`ctx.endpoint`), which middleware
   * such as `endpointViews` reads to show that path its own subset. A 2025-era session stays on the path it opened.
   */
  endpoints?: NamedEndpoint[];
  /**
   * Also serve the legacy HTTP+SSE transport (protocol 2024-11-05) for clients that speak nothing newer: beside each
   * MCP path, `GET …/sse` opens a session's stream and `POST …/messages?sessionId=` takes its messages (`/mcp` →
   * `/sse` and `/messages`; `/team/mcp` → `/team/sse` and `/team/messages`; see `legacySsePaths`). Same
   * authentication, checks and limits as the MCP path. Default true.
   */
  legacySse?: boolean;
  /** Host header names accepted (DNS-rebinding protection). Default: localhost names on a loopback bind, any otherwise. */
  allowedHosts?: string[];
  /**
   * Origin hostnames accepted from browsers. Default: localhost names; '*' accepts any. With `allowedHosts` set, a
   * page of the origin the request addressed (behind `trustedProxies`, the public one) is accepted as well.
   */
  allowedOrigins?: string[];
  /**
   * Browser pages at these origins may call the MCP endpoint (and the health, metadata and `cors` routes) across
   * origins: preflights answered, answers readable. Off by default.
   */
  cors?: CorsOptions;
  /** Largest request body accepted, in bytes; default 4 MiB. */
  maxBodyBytes?: number;
  /** Deepest JSON nesting accepted; default 64. */
  maxJsonDepth?: number;
  /** A 2025-era session idle this long is closed; default 30 minutes. */
  sessionIdleTtlMs?: number;
  /** Most concurrent 2025-era sessions; default 10 000. When full, the least recently used idle session is closed. */
  maxSessions?: number;
  /** Most 2025-era sessions one client holds; default 1 000. Past it, that client's least recently used idle one is closed. */
  maxSessionsPerClient?: number;
  /** Whose a session is, for `maxSessionsPerClient`; default the caller's principal and client address. */
  sessionOwner?: (req: IncomingMessage) => string;
  /** Requests in flight on one 2025-era session (each request of a batch counts); default 128. */
  maxInflightPerSession?: number;
  /** Most messages in one JSON-RPC batch (2025-03-26 sessions); default 100. */
  maxBatchSize?: number;
  /** Bytes queued for one response stream a client does not read; past it the stream is closed. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** Open TCP connections; more are answered 503 and closed. Default 1 024. */
  maxConnections?: number;
  /** Open 2026-era `subscriptions/listen` streams; default 256. */
  maxListenStreams?: number;
  /** Time to receive a request's headers; default 30 s. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request (headers and body; not the answer or a stream); default 60 s. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open; default 5 s. */
  keepAliveTimeoutMs?: number;
  /**
   * 2025-era sessions: a comment this often on open SSE streams (so a proxy that cuts idle connections does not), and
   * an answer silent for one to two of these is sent as a resumable stream, so a client cut off during a long call
   * can come back for it (SEP-1699). Default 15 s.
   */
  streamKeepAliveMs?: number;
  /** On close(), how long in-flight requests may take to finish; default 10 s. */
  shutdownGraceMs?: number;
  /** Told of each 2025-era session that ends: how long it was open, and the protocol version it spoke. */
  onSessionEnded?: (ended: SessionEnded) => void;
  /**
   * On close(), how long to go on serving first while GET /readyz answers 503 (a load balancer stops sending requests
   * here before the listener closes: a rolling restart loses none); a second close() ends it at once. Default 0.
   */
  drainMs?: number;
  /** Extra fields for GET /readyz (e.g. upstream status); `ready: false` answers 503. */
  readiness?: () => { ready?: boolean; [key: string]: unknown };
  /**
   * Who sees those extra fields: 'full' (everyone who passes the Host/Origin check), 'minimal' (nobody: status
   * and ready only), 'local' (default: callers on a loopback address whose request came through no proxy), or a
   * predicate on the request.
   */
  readinessDetail?: ReadinessDetail;
  /** Extra endpoints beside the MCP path (metrics, admin API); they pass the same Host/Origin check. */
  routes?: HttpRoute[];
  /** Who may use `admin: true` routes (and sees readiness detail when no rule is given); default: local callers. */
  isAdmin?: (req: IncomingMessage) => boolean;
  /**
   * Told of every request to an `admin: true` route that is not a GET once it is answered (or refused by `isAdmin`):
   * pass `auditLog.admin` of the audit middleware to keep a record of each change.
   */
  onAdminChange?: (change: AdminAuditEvent) => void;
  /**
   * Authenticates every request (MCP endpoint and admin routes) before anything else happens; see
   * `createAuthenticator`. With it, `isAdmin` defaults to holding the `mcplex:admin` scope.
   */
  auth?: Authenticator;
  /**
   * Refused credentials per client address (an unknown key, a bad token): past `limit` in `windowMs`, that address's
   * credentials not verified recently are answered 429 without being checked; default 100 a minute, `false` for
   * none. Counted in this process, and in `refusalStore` when given.
   */
  refusalLimit?: RateRule | false;
  /** Where replicas count refused credentials together (a Redis rate-limit store); absent: each process alone. */
  refusalStore?: RateLimitStore;
  /**
   * Proxies in front (addresses, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`): for a request from one,
   * the client address is read from X-Forwarded-For (the nearest address that is not a trusted proxy). Default none:
   * the client address is the peer's. From them X-Forwarded-Proto and X-Forwarded-Host also name the public origin
   * the server's own URLs are built from when `resource` is not set (a forwarded host only if `allowedHosts` has it),
   * and X-Forwarded-Prefix the path it is mounted under, which the legacy SSE transport's `endpoint` event, the OAuth
   * resource and its metadata URL, and the URL a DPoP proof must name all include.
   */
  trustedProxies?: string[];
  /**
   * Which headers the trusted proxies write: `x-forwarded` (X-Forwarded-For, -Proto, -Host, -Port; the default) or
   * `forwarded` (RFC 7239 `Forwarded`). Only that kind is read: a proxy passes the other on as the client wrote it.
   */
  proxyHeaders?: ProxyHeaders;
  /**
   * Told of each request refused before the pipeline for its credentials: the status (400, 401, 403, or 429 past
   * `refusalLimit`) and the refusal's error (`invalid_token`, …; `too_many_refusals` for 429; none when no
   * credentials were sent). A server's `metrics` count them as `mcp_auth_refusals_total`.
   */
  onAuthRefused?: (status: number, error: string | undefined) => void;
  /**
   * This server's resource identifier (its public URL, RFC 8707/9728); default built from the Host header (behind
   * `trustedProxies`, from X-Forwarded-Proto and X-Forwarded-Host).
   */
  resource?: string;
  /** Serve HTTPS (and mTLS when `ca` is given). */
  tls?: TlsOptions;
  /**
   * Replicas sharing 2025-era sessions (session-forwarding.ts): the directory they share, and how the others reach
   * this one (default: this listener's own origin, which only replicas on the same host can reach when it binds a
   * wildcard address).
   */
  cluster?: {
    owners: SessionOwners;
    advertise?: string;
    /**
     * Given a function that records a call held between 2026-era rounds under `requestState` (held-rounds.ts) for
     * `ttlMs`, so that its next round is forwarded here from any replica.
     */
    held?: (record: (requestState: string, ttlMs: number) => void) => void;
    /**
     * Where the replicas keep the tasks that ended (`tasks`): each one ended here is kept for the rest of its ttlMs,
     * and on close() the tasks still running are cancelled and kept too, so any replica answers for them afterwards.
     */
    settled?: SettledTasks;
  };
  /**
   * The tasks this listener's server runs (the tasks extension): with `cluster`, each is recorded in the directory
   * for its ttlMs, and a tasks/get, tasks/update or tasks/cancel for another replica's task is forwarded to it.
   */
  tasks?: TaskRegistry;
}

/** An extra MCP path and the name requests there carry. */
export interface NamedEndpoint {
  name: string;
  path: string;
}

const RESERVED = ['/healthz', '/readyz', '/.well-known/'];

/** The legacy HTTP+SSE transport's paths beside an MCP path: a last `/mcp` segment becomes `/sse` and `/messages`; otherwise they are added. */
export function legacySsePaths(mcpPath: string): { stream: string; messages: string } {
  const base = mcpPath.endsWith('/mcp') ? mcpPath.slice(0, -4) : mcpPath.replace(/\/$/, '');
  return { stream: `${base}/sse`, messages: `${base}/messages` };
}

/**
 * Throws naming the endpoint whose path is malformed, reserved, or taken by the MCP path, a route or another endpoint
 * (or, with `legacySse`, by one of their SSE paths).
 */
function checkEndpoints(endpoints: NamedEndpoint[], mcpPath: string, routes: HttpRoute[], legacySse: boolean): void {
  const taken = new Map<string, string>();
  const take = (path: string, holder: string, what: string) => {
    const before = taken.get(path);
    if (before) throw new Error(`${what}: path '${path}' is already ${before}; choose another${legacySse && (before.includes('SSE') || holder.includes('SSE')) ? ', or set legacySse: false' : ''}`);
    taken.set(path, holder);
  };
  const withSse = (path: string, holder: string, what: string) => {
    take(path, holder, what);
    if (!legacySse) return;
    const sse = legacySsePaths(path);
    take(sse.stream, `the legacy SSE stream of ${holder}`, what);
    take(sse.messages, `the legacy SSE messages path of ${holder}`, what);
  };
  withSse(mcpPath, 'the MCP path', `the MCP path '${mcpPath}'`);
  // A path may have a route per method.
  for (const r of routes) if (!taken.get(r.path)?.startsWith('the route ')) take(r.path, `the route ${r.method} ${r.path}`, `the route ${r.method} ${r.path}`);
  for (const { name, path } of endpoints) {
    if (!path.startsWith('/') || path.includes('?') || path.includes('#')) throw new Error(`endpoint '${name}': path '${path}' must start with '/' and hold no '?' or '#'`);
    if (RESERVED.some((r) => path === r || (r.endsWith('/') && path.startsWith(r)))) throw new Error(`endpoint '${name}': path '${path}' is reserved; choose another`);
    withSse(path, `endpoint '${name}'`, `endpoint '${name}'`);
  }
}

/** An endpoint served beside the MCP path. `admin` ones answer 403 to whom `isAdmin` refuses. */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  admin?: boolean;
  /** Pages at the `cors` origins may call it too (an OAuth endpoint a browser-based client fetches). */
  cors?: boolean;
  /**
   * What a POST is about, as the replicas' directory names it (a task's key): with `cluster`, a request about what
   * another replica holds is forwarded there and answered from there.
   */
  heldBy?: (body: unknown) => string | undefined;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

type Optional = 'refusalStore' | 'cors' | 'allowedHosts' | 'readiness' | 'sessionOwner' | 'readinessDetail' | 'isAdmin' | 'onAdminChange' | 'auth' | 'resource' | 'tls' | 'cluster' | 'tasks' | 'onSessionEnded' | 'trustedProxies' | 'proxyHeaders' | 'onAuthRefused';
export type ResolvedHttpOptions = Required<Omit<HttpServeOptions, Optional>> &
  Pick<HttpServeOptions, 'refusalStore' | 'cors' | 'allowedHosts' | 'readiness' | 'onAdminChange' | 'auth' | 'resource' | 'tls' | 'cluster' | 'tasks' | 'onSessionEnded' | 'onAuthRefused'> & {
    clientAddress: ClientAddressOf;
    publicOrigin: PublicOriginOf;
    /** The path a trusted proxy mounts the server under (X-Forwarded-Prefix), for the paths told to clients. */
    publicPrefix: PublicPrefixOf;
    proxyHeaders: ProxyHeaders;
    sessionOwner: (req: IncomingMessage) => string;
    readinessDetail: (req: IncomingMessage) => boolean;
    isAdmin: (req: IncomingMessage) => boolean;
  };

const MiB = 1024 * 1024;

/** Headers a proxy adds: a request that carries one did not start on this machine, whatever its peer address. */
const PROXIED = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'via'];

/** A caller on this machine talking to us directly. */
export function isLocalCaller(req: IncomingMessage): boolean {
  const peer = req.socket.remoteAddress ?? '';
  const local = peer.startsWith('127.') || peer === '::1' || peer.startsWith('::ffff:127.');
  return local && !PROXIED.some((h) => req.headers[h] !== undefined);
}

/** The authenticated caller holds the admin scope (the rule once authentication is on). */
export function hasAdminScope(req: IncomingMessage): boolean {
  return identityOf((req as { auth?: AuthInfo }).auth)?.principal.scopes.includes(ADMIN_SCOPE) ?? false;
}

/** 'local' means "administrators": local callers without authentication, admin-scoped principals with it. */
function detailRule(d: ReadinessDetail | undefined, admin: (req: IncomingMessage) => boolean): (req: IncomingMessage) => boolean {
  if (typeof d === 'function') return d;
  if (d === 'full') return () => true;
  if (d === 'minimal') return () => false;
  return admin;
}

export function resolveHttpOptions(o: HttpServeOptions): ResolvedHttpOptions {
  const host = o.host ?? '127.0.0.1';
  const allowedHosts = o.allowedHosts ?? (isLoopback(host) ? ['localhost', '127.0.0.1', '[::1]', host] : undefined);
  const requestTimeoutMs = o.requestTimeoutMs ?? 60_000;
  const isAdmin = o.isAdmin ?? (o.auth ? hasAdminScope : isLocalCaller);
  const path = o.path ?? '/mcp';
  const routes = o.routes ?? [];
  const endpoints = o.endpoints ?? [];
  const legacySse = o.legacySse ?? true;
  checkEndpoints(endpoints, path, routes, legacySse);
  return {
    host,
    port: o.port ?? 0,
    path,
    endpoints,
    legacySse,
    ...(allowedHosts && { allowedHosts }),
    ...(o.cors && { cors: o.cors }),
    ...(o.readiness && { readiness: o.readiness }),
    ...(o.onAdminChange && { onAdminChange: o.onAdminChange }),
    ...(o.onSessionEnded && { onSessionEnded: o.onSessionEnded }),
    ...(o.onAuthRefused && { onAuthRefused: o.onAuthRefused }),
    ...(o.auth && { auth: o.auth }),
    ...(o.resource && { resource: o.resource }),
    ...(o.tls && { tls: o.tls }),
    ...(o.tasks && { tasks: o.tasks }),
    ...(o.cluster && { cluster: o.cluster }),
    ...(o.refusalStore && { refusalStore: o.refusalStore }),
    readinessDetail: o.readinessDetail === undefined && o.isAdmin ? o.isAdmin : detailRule(o.readinessDetail, o.auth ? isAdmin : isLocalCaller),
    isAdmin,
    routes,
    allowedOrigins: o.allowedOrigins ?? ['localhost', '127.0.0.1', '[::1]'],
    maxBodyBytes: o.maxBodyBytes ?? 4 * MiB,
    maxJsonDepth: o.maxJsonDepth ?? 64,
    sessionIdleTtlMs: o.sessionIdleTtlMs ?? 30 * 60_000,
    maxSessions: o.maxSessions ?? 10_000,
    maxSessionsPerClient: o.maxSessionsPerClient ?? 1_000,
    sessionOwner: o.sessionOwner ?? callerOf,
    clientAddress: clientAddressOf(o.trustedProxies, o.proxyHeaders),
    publicOrigin: publicOriginOf(o.trustedProxies, allowedHosts, o.proxyHeaders),
    publicPrefix: publicPrefixOf(o.trustedProxies),
    proxyHeaders: o.proxyHeaders ?? 'x-forwarded',
    refusalLimit: o.refusalLimit ?? DEFAULT_REFUSAL_LIMIT,
    maxInflightPerSession: o.maxInflightPerSession ?? 128,
    maxBatchSize: o.maxBatchSize ?? 100,
    maxBufferedBytes: o.maxBufferedBytes ?? 8 * MiB,
    maxConnections: o.maxConnections ?? 1_024,
    maxListenStreams: o.maxListenStreams ?? 256,
    // Node refuses a headers timeout longer than the request timeout.
    headersTimeoutMs: Math.min(o.headersTimeoutMs ?? 30_000, requestTimeoutMs),
    requestTimeoutMs,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs ?? 5_000,
    streamKeepAliveMs: o.streamKeepAliveMs ?? 15_000,
    shutdownGraceMs: o.shutdownGraceMs ?? 10_000,
    drainMs: o.drainMs ?? 0,
  };
}
