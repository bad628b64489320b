// The HTTP edge: health endpoints, Host/Origin checks, body cap and JSON checks, then both eras on one
// endpoint — 2025-era traffic to sessionful transports, 2026-07-28 traffic to the lane of one pinned server
// (plain requests) or to the SDK's per-request handler (everything else).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isJsonContentType, type RequestId, type Server, type ServerNotifier } from '@modelcontextprotocol/server';
import { type Era, ErrorCode, type Logger } from '../../core/index.js';
import { readJsonBody } from './body.js';
import { classifyHttpPost } from './classify.js';
import { refusal } from './guards.js';
import { LegacySessions } from './legacy-sessions.js';
import { fitsModernLane, ModernLane } from './modern-lane.js';
import { type HttpServeOptions, resolveHttpOptions } from './options.js';
import { sendJson, sendRpcError } from './respond.js';

export interface HttpHandle {
  /** The URL clients connect to, e.g. http://127.0.0.1:7333/mcp */
  readonly url: string;
  readonly port: number;
  /** Publishes 2026-era change events to open `subscriptions/listen` streams. */
  readonly notify: ServerNotifier;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes sessions. */
  close(): Promise<void>;
}

/** Internal hooks of the serving host (not user options). */
export interface EdgeHooks {
  /** Sees every parsed JSON-RPC body before it is served. */
  observe?: (body: unknown) => void;
}

/** Builds a server for one session or request; `httpOf` finds a request's HTTP view when the SDK cannot give it. */
export type ServerFactory = (era: Era, httpOf?: (id: RequestId) => Request | undefined) => Server;

export async function serveHttp(
  makeServer: ServerFactory,
  options: HttpServeOptions,
  log: Logger,
  hooks: EdgeHooks = {},
): Promise<HttpHandle> {
  const o = resolveHttpOptions(options);
  const sessions = new LegacySessions(() => makeServer('legacy'), { idleTtlMs: o.sessionIdleTtlMs, maxSessions: o.maxSessions, log });
  const onerror = (err: Error) => log.debug({ err }, 'protocol error');
  const modern = createMcpHandler(() => makeServer('modern'), { legacy: 'reject', maxRequestBodySize: o.maxBodyBytes, onerror });
  const lane = new ModernLane((httpOf) => makeServer('modern', httpOf), onerror);
  // Only the 2026-era requests the lane does not take go through web Request/Response (the SDK's handler).
  const modernAdapter = toNodeHandler(modern, { maxRequestBodySize: o.maxBodyBytes, onerror: (err) => log.error({ err }, 'http adapter error') });
  let closing = false;
  let inflightPosts = 0;
  let drained: (() => void) | undefined;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const extra = o.readiness?.() ?? {};
      const ready = !closing && extra.ready !== false;
      return sendJson(res, ready ? 200 : 503, { ...extra, status: closing ? 'shutting down' : ready ? 'ready' : 'not ready', sessions: sessions.size });
    }
    if (path !== o.path) return sendJson(res, 404, { error: `Not found; the MCP endpoint is ${o.path}` });
    const refused = refusal(req, o);
    if (refused) return sendRpcError(res, 403, ErrorCode.InvalidRequest, refused);
    if (closing) return sendRpcError(res, 503, ErrorCode.InternalError, 'Server is shutting down', { connection: 'close' });
    if (req.method === 'GET' || req.method === 'DELETE') return sessions.handle(req, res);
    if (req.method !== 'POST') return sendRpcError(res, 405, ErrorCode.InvalidRequest, 'Method not allowed; use POST, GET or DELETE', { allow: 'POST, GET, DELETE' });
    if (!isJsonContentType(req.headers['content-type'] ?? null)) {
      return sendRpcError(res, 415, ErrorCode.InvalidRequest, 'Unsupported Media Type: Content-Type must be application/json');
    }
    // A POST is in flight until its response is over or its client has gone ('close' covers both). The SDK never
    // answers a cancelled 2025-era request, so its stream may stay open until the session closes.
    inflightPosts++;
    res.once('close', () => {
      if (--inflightPosts === 0) drained?.();
    });
    const body = await readJsonBody(req, o.maxBodyBytes, o.maxJsonDepth);
    if (!body.ok) return sendRpcError(res, body.status, body.code, body.message, body.status === 413 ? { connection: 'close' } : {});
    hooks.observe?.(body.value);
    const route = classifyHttpPost(req, body.value);
    if (route === 'legacy' || route.kind === 'legacy') await sessions.handle(req, res, body.value);
    else if (lane.open && fitsModernLane(req, route)) lane.serve(req, res, route);
    else await modernAdapter(req, res, body.value);
  }

  const http = createServer((req, res) => {
    onRequest(req, res).catch((err) => {
      log.error({ err }, 'unhandled error serving HTTP request');
      if (!res.headersSent) sendRpcError(res, 500, ErrorCode.InternalError, 'Internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port, o.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const hostForUrl = o.host.includes(':') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;

  return {
    url: `http://${hostForUrl}:${port}${o.path}`,
    port,
    notify: modern.notify,
    async close() {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      if (inflightPosts > 0) {
        await Promise.race([new Promise<void>((r) => (drained = r)), new Promise((r) => setTimeout(r, o.shutdownGraceMs).unref())]);
      }
      await Promise.allSettled([sessions.closeAll(), modern.close(), lane.close()]);
      http.closeAllConnections();
      await stopped;
    },
  };
}
