// The web-standard entry, for serverless and edge runtimes (Cloudflare Workers, Vercel functions, Deno, Bun, Hono):
// one `Request` in, one `Response` out, both eras: 2026-07-28 in full (each request stands alone), the 2025 era
// statelessly (the SDK's stateless fallback: no sessions, so no server→client requests and no GET streams). The same
// edge as serveHttp: Host and Origin checks (CORS for the origins `cors` names), a body cap and JSON checks,
// authentication before anything else, and the pipeline admits what the SDK answers itself (initialize, ping,
// server/discover, subscriptions/listen).
import { createMcpHandler, isJsonContentType, type JSONRPCMessage, type Server, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import { ANONYMOUS, attachCredential, type Era, ErrorCode, type Logger, WireError } from '../../core/index.js';
import type { AuthRefusal, Authenticator } from '../../middleware/auth/index.js';
import type { RateRule } from '../../core/rate-limit-store.js';
import type { Admit } from '../gate.js';
import { authInfoFor, type EdgeIdentity } from '../identity.js';
import { isPipelined } from '../targets.js';
import { parseMcpBody } from './body.js';
import { FIRST_MODERN_VERSION } from './classify.js';
import { Cors, type CorsOptions } from './cors.js';
import { metadataUrlOf, protectedResourceMetadata, WELL_KNOWN } from './edge-auth.js';
import { isOwnOrigin } from './guards.js';
import { withHeaderMismatchStatus } from './header-mismatch.js';
import { type ListenNotifier, ListenStreams } from './listen-streams.js';
import { boundedAuthenticate, DEFAULT_REFUSAL_LIMIT, RefusalLimit, refusalWarning, throttledAnswer } from './refusal-limit.js';
import { REFUSAL_STATUS } from './sdk-admitted.js';

export interface FetchHandlerOptions {
  /** Who may call (API keys, JWT, OAuth): every request is authenticated before anything else; default anonymous. */
  auth?: Authenticator;
  /** Host header values accepted (DNS rebinding); default any, since the platform decides which hosts reach you. */
  allowedHosts?: string[];
  /** Origins accepted from browsers (a request without Origin is not a browser's); default localhost names; '*' for any. */
  allowedOrigins?: string[];
  /** Browser pages at these origins may call across origins: preflights answered, answers readable. Off by default. */
  cors?: CorsOptions;
  /** Largest body read, in bytes; default 4 MiB (413 beyond). */
  maxBodyBytes?: number;
  /** Deepest JSON nesting accepted; default 64. */
  maxJsonDepth?: number;
  /** This server's resource identifier for RFC 9728 metadata; default the request's URL (without query). */
  resource?: string;
  /** The caller's address, when the platform tells it (e.g. a header it sets); for rate limits and logs. */
  remoteAddress?: (request: Request) => string | undefined;
  /**
   * Refused credentials per caller address (needs `remoteAddress`), counted in this instance: past `limit` in
   * `windowMs`, credentials not verified recently are answered 429 unchecked; default 100 a minute, `false` for none.
   */
  refusalLimit?: RateRule | false;
  /** 2026-era `subscriptions/listen` streams open at once on this handler; default 256 (503 beyond). */
  maxListenStreams?: number;
}

export interface McpFetchHandler {
  /** Answers one HTTP request (POST for MCP; GET for the RFC 9728 metadata when `auth` is set). */
  fetch(request: Request): Promise<Response>;
  /** Publishes 2026-era change events to the `subscriptions/listen` streams open on this handler. */
  readonly notify: ListenNotifier;
  /** Ends open listen streams. */
  close(): Promise<void>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const rpcError = (status: number, code: number, message: string, id: unknown = null, headers?: Record<string, string>, data?: unknown) =>
  json(status, { jsonrpc: '2.0', id, error: { code, message, ...(data !== undefined && { data }) } }, headers);

/** The body's text, or undefined once it is over `max` bytes (reading stops there). */
async function readCapped(request: Request, max: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** A response whose body tells `ended` when it is over (read to its end, or cancelled by the client). */
function untilEnded(response: Response, ended: () => void): Response {
  if (!response.body) {
    ended();
    return response;
  }
  const reader = response.body.getReader();
  let over = false;
  const end = () => {
    if (over) return;
    over = true;
    ended();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end();
          controller.close();
        } else controller.enqueue(value);
      } catch (err) {
        end();
        controller.error(err);
      }
    },
    cancel(reason) {
      end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** `response` with `headers` added (a copy when its own headers are immutable, as a fetched response's are). */
function withHeaders(response: Response, headers: Record<string, string>): Response {
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Headers(response.headers);
    for (const [name, value] of Object.entries(headers)) copy.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers: copy });
  }
}

export function createFetchHandler(makeServer: (era: Era) => Server, opts: FetchHandlerOptions, log: Logger, admit?: Admit): McpFetchHandler {
  const maxBodyBytes = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxJsonDepth = opts.maxJsonDepth ?? 64;
  const allowedOrigins = opts.allowedOrigins ?? ['localhost', '127.0.0.1', '[::1]'];
  const cors = new Cors(opts.cors);
  const onerror = (err: Error) => log.debug({ err }, 'protocol error');
  const handler = createMcpHandler((ctx) => makeServer(ctx.era), { legacy: 'stateless', maxRequestBodySize: maxBodyBytes, onerror });
  const sdk = withHeaderMismatchStatus((request, options) => handler.fetch(request, options));
  const listens = new ListenStreams({ handler: (bus) => createMcpHandler(() => makeServer('modern'), { legacy: 'reject', maxRequestBodySize: maxBodyBytes, onerror, bus }), onerror });
  const maxListens = opts.maxListenStreams ?? 256;
  let openListens = 0;
  const resourceOf = (request: Request) => {
    if (opts.resource) return opts.resource;
    const url = new URL(request.url);
    return `${url.origin}${url.pathname.startsWith(WELL_KNOWN) ? url.pathname.slice(WELL_KNOWN.length) || '/' : url.pathname}`;
  };

  function refusedByGuards(request: Request): string | undefined {
    if (opts.allowedHosts) {
      const host = validateHostHeader(request.headers.get('host') ?? undefined, opts.allowedHosts);
      if (!host.ok) return `Forbidden: ${host.message}`;
    }
    const origin = request.headers.get('origin');
    if (origin !== null && !allowedOrigins.includes('*') && !cors.allows(origin) && !isOwnOrigin(origin, opts.resource)) {
      const verdict = validateOriginHeader(origin, allowedOrigins);
      if (!verdict.ok) return `Forbidden: ${verdict.message}`;
    }
    return undefined;
  }

  function challenged(request: Request, refusal: AuthRefusal): Response {
    const code = refusal.status === 403 ? ErrorCode.Forbidden : refusal.status === 400 ? ErrorCode.InvalidRequest : ErrorCode.Unauthorized;
    return rpcError(refusal.status, code, refusal.description, null, { 'www-authenticate': opts.auth!.challenge(refusal, metadataUrlOf(resourceOf(request))), ...(refusal.nonce && { 'dpop-nonce': refusal.nonce }) });
  }

  /** The DPoP nonce to send with a request's answer (authentication handed out a fresh one). */
  const nonces = new WeakMap<Request, string>();
  const refusalRule = opts.refusalLimit ?? DEFAULT_REFUSAL_LIMIT;
  const refusals = opts.auth && refusalRule ? new RefusalLimit(refusalRule, refusalWarning(log)) : undefined;

  async function identify(request: Request): Promise<EdgeIdentity | { refusal: AuthRefusal } | { throttled: number }> {
    const remoteAddress = opts.remoteAddress?.(request);
    const edge = (principal: EdgeIdentity['principal']): EdgeIdentity => ({ principal, ...(remoteAddress !== undefined && { remoteAddress }) });
    if (!opts.auth) return edge(ANONYMOUS);
    const asked = {
      header: (name: string) => request.headers.get(name) ?? undefined,
      method: request.method,
      url: new URL(new URL(request.url).pathname, resourceOf(request)).href,
    };
    const outcome = await boundedAuthenticate(opts.auth, asked, remoteAddress, refusals);
    if (!('principal' in outcome)) return outcome;
    if (outcome.token) attachCredential(outcome.principal, outcome.token);
    if (outcome.nonce) nonces.set(request, outcome.nonce);
    return edge(outcome.principal);
  }

  /** A 2026-era request the SDK answers itself (server/discover, subscriptions/listen): the pipeline admits it first. */
  async function admitted(gate: Admit, identity: EdgeIdentity, request: Request, message: { id: never; method: string; params?: Record<string, unknown> }, deliver: () => Promise<Response>): Promise<Response> {
    let delivered: (response: Response) => void = () => {};
    const got = new Promise<Response>((resolve) => (delivered = resolve));
    let accept = () => {};
    const accepted = new Promise<void>((resolve) => (accept = resolve));
    let handed = false;
    const admission = gate({
      method: message.method,
      params: message.params ?? {},
      id: message.id,
      identity,
      http: request,
      signal: request.signal,
      accepted,
      deliver: async () => {
        if (message.method !== 'server/discover' && message.method !== 'subscriptions/listen') throw new WireError(ErrorCode.MethodNotFound, `Method not found: ${message.method}`);
        handed = true;
        const response = await deliver();
        if (response.ok && String(response.headers.get('content-type')).startsWith('text/event-stream')) accept();
        // The request lasts as long as its response: a listen's, as long as its stream.
        await new Promise<void>((ended) => delivered(untilEnded(response, ended)));
        return {};
      },
    });
    const refused = admission.then(
      // Answered by the pipeline itself (a middleware that did not call next): that is the answer.
      (result) => (handed ? undefined : json(200, { jsonrpc: '2.0', id: message.id, result })),
      (err: { code: number; message: string; data?: unknown }) => {
        const status = REFUSAL_STATUS.get(err.code) ?? 200;
        return rpcError(status, err.code, err.message, message.id, undefined, err.data);
      },
    );
    return Promise.race([got, refused.then((r) => r ?? got)]);
  }

  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (opts.auth && url.pathname.startsWith(WELL_KNOWN)) {
      if (request.method !== 'GET') return json(405, { error: 'Method not allowed; use GET' }, { allow: 'GET' });
      return json(200, protectedResourceMetadata(resourceOf(request), opts.auth));
    }
    const refused = refusedByGuards(request);
    if (refused) return rpcError(403, ErrorCode.InvalidRequest, refused);
    const identity = await identify(request);
    if ('refusal' in identity) return challenged(request, identity.refusal);
    if ('throttled' in identity) {
      const { body, retryAfter } = throttledAnswer(identity.throttled);
      return json(429, body, { 'retry-after': retryAfter });
    }
    if (request.method !== 'POST') {
      return rpcError(405, ErrorCode.InvalidRequest, 'Method not allowed; use POST (this endpoint keeps no sessions, so it has no GET stream and nothing to DELETE)', null, { allow: 'POST' });
    }
    if (!isJsonContentType(request.headers.get('content-type'))) return rpcError(415, ErrorCode.InvalidRequest, 'Unsupported Media Type: Content-Type must be application/json');
    const text = await readCapped(request, maxBodyBytes);
    if (text === undefined) return rpcError(413, ErrorCode.InvalidRequest, `Request body too large: the limit is ${maxBodyBytes} bytes`);
    const body = parseMcpBody(text, maxJsonDepth);
    if (!body.ok) return rpcError(body.status, body.code, body.message);
    const authInfo = authInfoFor(identity);
    const message = body.value as JSONRPCMessage & { id?: never; method?: string; params?: Record<string, unknown> };
    const modern = !Array.isArray(body.value) && (request.headers.get('mcp-protocol-version') ?? '').trim() >= FIRST_MODERN_VERSION;
    const method = typeof message?.method === 'string' && message.id !== undefined ? message.method : undefined;
    if (modern && method === 'subscriptions/listen') {
      if (openListens >= maxListens) return rpcError(503, ErrorCode.ServerError, `Too many open subscriptions/listen streams: the limit is ${maxListens}; try again later`, message.id);
      // Counted and registered once the SDK has it: a listen the pipeline refuses holds nothing.
      const deliver = async () => {
        openListens++;
        const { handler: own, release } = listens.handlerFor(identity);
        const over = () => {
          openListens--;
          release();
        };
        try {
          return untilEnded(await own.fetch(request, { authInfo, parsedBody: body.value }), over);
        } catch (err) {
          over();
          throw err;
        }
      };
      return admit ? admitted(admit, identity, request, message as never, deliver) : deliver();
    }
    if (modern && admit && method !== undefined && !isPipelined(method)) {
      return admitted(admit, identity, request, message as never, () => handler.fetch(request, { authInfo, parsedBody: body.value }));
    }
    return sdk.fetch(request, { authInfo, parsedBody: body.value });
  }

  return {
    async fetch(request) {
      const origin = request.headers.get('origin');
      const page = cors.allows(origin) && !refusedByGuards(request) ? origin : undefined;
      if (page && request.method === 'OPTIONS' && request.headers.has('access-control-request-method')) {
        return new Response(null, { status: 204, headers: cors.preflightHeaders(page, request.headers.get('access-control-request-headers')) });
      }
      let response: Response;
      try {
        response = await serve(request);
      } catch (err) {
        log.error({ err }, 'unhandled error serving a fetch request');
        response = rpcError(500, ErrorCode.InternalError, 'Internal error');
      }
      // A DPoP nonce for the client's next proofs (its proof carried the one before): sent with the answer.
      const nonce = nonces.get(request);
      if (nonce) response = withHeaders(response, { 'dpop-nonce': nonce });
      return page ? withHeaders(response, cors.answerHeaders(page)) : response;
    },
    notify: listens.notify,
    async close() {
      await Promise.allSettled([handler.close(), listens.close()]);
    },
  };
}
