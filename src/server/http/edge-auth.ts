// Authentication at the HTTP edge: every request's credentials become its identity (principal and client address)
// before any session lookup or effect, or it is refused 401/403 with a Bearer challenge, or 429 while its address is
// over the refused-credential bound. Requests without credentials reuse one anonymous identity per connection, so
// the anonymous path stays cheap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AuthInfo, JSONRPCMessage } from '@modelcontextprotocol/server';
import { ANONYMOUS, attachCredential, ErrorCode, type Principal } from '../../core/index.js';
import type { AuthRefusal, Authenticator } from '../../middleware/auth/index.js';
import { authInfoFor, type EdgeIdentity, identityOf } from '../identity.js';
import { type ClientAddressOf, peerAddress } from './client-address.js';
import { ownOrigin, type PublicOriginOf, type PublicPrefixOf } from './public-origin.js';
import { boundedAuthenticate, type RefusalLimit, TOO_MANY_REFUSALS, throttledAnswer } from './refusal-limit.js';
import { headerOf } from './request-info.js';
import { sendJson } from './respond.js';
import { clientCertificateOf } from './tls.js';

export interface Identified {
  readonly edge: EdgeIdentity;
  readonly auth: AuthInfo;
  /** A DPoP nonce for the client's next proofs, to send with the answer (`DPoP-Nonce`). */
  readonly nonce?: string;
}

/** Why a request has no identity: its credentials were refused, or not checked (its address is over the bound). */
export type Unidentified = { refusal: AuthRefusal } | { throttled: number };

export const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/**
 * The resource identifier of an MCP path: configured (the main path's; another endpoint's is its path on the same
 * origin), or the request's public origin with the path (under the prefix a trusted proxy mounts the server at).
 */
function resourceOf(req: IncomingMessage, path: string, main: boolean, configured: string | undefined, publicOrigin: PublicOriginOf, prefix: string): string {
  if (configured) return main ? configured : new URL(`${prefix}${path}`, configured).href;
  return `${publicOrigin(req)}${prefix}${path}`;
}

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0]!;
const noPrefix: PublicPrefixOf = () => '';

function edgeIdentity(principal: Principal, remoteAddress: string | undefined, endpoint: string | undefined): EdgeIdentity {
  return { principal, ...(remoteAddress !== undefined && { remoteAddress }), ...(endpoint !== undefined && { endpoint }) };
}

/** Where the RFC 9728 metadata of `resource` lives (the path-suffixed well-known form). */
export function metadataUrlOf(resource: string): string {
  const u = new URL(resource);
  return `${u.origin}${WELL_KNOWN}${u.pathname === '/' ? '' : u.pathname}`;
}

/** RFC 9728 protected-resource metadata of `resource`, from what the authenticator contributes. */
export function protectedResourceMetadata(resource: string, a: Authenticator): Record<string, unknown> {
  const m = a.metadata;
  return {
    resource,
    ...(m?.authorizationServers && { authorization_servers: m.authorizationServers }),
    ...(m?.scopesSupported && { scopes_supported: m.scopesSupported }),
    bearer_methods_supported: ['header'],
    ...(m?.dpopAlgorithms && { dpop_signing_alg_values_supported: m.dpopAlgorithms, dpop_bound_access_tokens_required: m.dpopRequired === true }),
    resource_name: 'mcplex',
  };
}

export interface EdgeAuthOptions {
  /** The resource identifier configured (the main path's). */
  resource?: string;
  /** More MCP paths (named endpoints). */
  endpointPaths?: readonly string[];
  /** Paths that serve an MCP path's callers another way (the legacy SSE transport's), and that MCP path. */
  aliasPaths?: ReadonlyMap<string, string>;
  /** Each request's client address; default its peer's. */
  clientAddress?: ClientAddressOf;
  /** Each request's public origin, when no resource is configured; default the listener's as Host names it. */
  publicOrigin?: PublicOriginOf;
  /** The path prefix a trusted proxy mounts the server at (X-Forwarded-Prefix); default none. */
  publicPrefix?: PublicPrefixOf;
  /** The bound on refused credentials per client address. */
  refusals?: RefusalLimit;
  /** Told of each request refused here (status, and the refusal's error code; none when no credentials were sent). */
  onRefused?: (status: number, error: string | undefined) => void;
}

export class EdgeAuth {
  /** Per named endpoint (the main path: ''), one anonymous identity per connection. */
  readonly #anonymous = new Map<string, WeakMap<Socket, Identified>>();
  readonly #endpointPaths: ReadonlySet<string>;
  readonly #aliasPaths: ReadonlyMap<string, string>;

  readonly #resource: string | undefined;
  readonly #refusals: RefusalLimit | undefined;
  readonly #onRefused: EdgeAuthOptions['onRefused'];
  readonly #clientAddress: ClientAddressOf;
  readonly #publicOrigin: PublicOriginOf;
  readonly #publicPrefix: PublicPrefixOf;

  constructor(
    private readonly authenticator: Authenticator | undefined,
    private readonly path: string,
    o: EdgeAuthOptions = {},
  ) {
    this.#endpointPaths = new Set(o.endpointPaths);
    this.#aliasPaths = o.aliasPaths ?? new Map();
    this.#resource = o.resource;
    this.#clientAddress = o.clientAddress ?? peerAddress;
    this.#publicOrigin = o.publicOrigin ?? ownOrigin;
    this.#publicPrefix = o.publicPrefix ?? noPrefix;
    this.#refusals = o.refusals;
    this.#onRefused = o.onRefused;
  }

  /** The MCP path a request (or a metadata request's suffix) names: an endpoint's, or the main one. */
  #mcpPathOf(path: string): string {
    return this.#endpointPaths.has(path) ? path : (this.#aliasPaths.get(path) ?? this.path);
  }

  #resourceFor(req: IncomingMessage, path: string, prefix = this.#publicPrefix(req)): string {
    const mcpPath = this.#mcpPathOf(path);
    return resourceOf(req, mcpPath, mcpPath === this.path, this.#resource, this.#publicOrigin, prefix);
  }

  /**
   * Where the metadata of the MCP path `path` names is read: the RFC 9728 well-known URL of its resource, or behind a
   * proxy that mounts the server under a prefix (which routes nothing outside it here), this server's own well-known
   * path under that prefix.
   */
  #metadataUrlFor(req: IncomingMessage, path: string): string {
    const prefix = this.#publicPrefix(req);
    const resource = this.#resourceFor(req, path, prefix);
    return prefix ? `${new URL(resource).origin}${prefix}${WELL_KNOWN}${this.#mcpPathOf(path)}` : metadataUrlOf(resource);
  }

  /** The URL a request addressed, as its client names it (the public one behind a proxy): a DPoP proof's `htu`. */
  readonly #urlOf = (req: IncomingMessage): string => {
    const prefix = this.#publicPrefix(req);
    return new URL(`${prefix}${pathOf(req)}`, this.#resourceFor(req, pathOf(req), prefix)).href;
  };

  get enabled(): boolean {
    return this.authenticator !== undefined;
  }

  #anonymousOn(req: IncomingMessage, endpoint: string | undefined): Identified {
    const { socket } = req;
    // Behind a trusted proxy one connection carries many clients: each request is its own. Without one (the fast
    // path) the address is the peer's, read once per connection.
    if (this.#clientAddress !== peerAddress) {
      const address = this.#clientAddress(req);
      if (address !== socket.remoteAddress) {
        const edge = edgeIdentity(ANONYMOUS, address, endpoint);
        return { edge, auth: authInfoFor(edge) };
      }
    }
    let bySocket = this.#anonymous.get(endpoint ?? '');
    if (!bySocket) {
      bySocket = new WeakMap();
      this.#anonymous.set(endpoint ?? '', bySocket);
    }
    let identity = bySocket.get(socket);
    if (!identity) {
      const edge = edgeIdentity(ANONYMOUS, socket.remoteAddress, endpoint);
      identity = { edge, auth: authInfoFor(edge) };
      bySocket.set(socket, identity);
    }
    return identity;
  }

  /**
   * The request's identity, or why it is refused. Without an authenticator this is synchronous (no promise, no
   * allocation after a connection's first request): the anonymous fast path.
   */
  identify(req: IncomingMessage, endpoint?: string): Identified | Promise<Identified | Unidentified> {
    const a = this.authenticator;
    return a ? this.#authenticate(a, req, endpoint) : this.#anonymousOn(req, endpoint);
  }

  async #authenticate(a: Authenticator, req: IncomingMessage, endpoint?: string): Promise<Identified | Unidentified> {
    const cert = clientCertificateOf(req);
    const bare = req.headers.authorization === undefined && req.headers['x-api-key'] === undefined && cert === undefined;
    if (bare && a.allowsAnonymous) {
      const outcome = await a.authenticate({ header: () => undefined });
      // The configured anonymous principal may carry scopes; only the plain one is shared per connection.
      if ('principal' in outcome && outcome.principal === ANONYMOUS) return this.#anonymousOn(req, endpoint);
      if ('refusal' in outcome) return outcome;
      const edge = edgeIdentity(outcome.principal, this.#clientAddress(req), endpoint);
      return { edge, auth: authInfoFor(edge) };
    }
    const urlOf = this.#urlOf;
    const request = {
      header: (name: string) => headerOf(req, name),
      ...(cert && { clientCertificate: cert }),
      method: req.method ?? 'GET',
      // Made only when read (a DPoP proof's check), not on every authenticated request.
      get url() {
        return urlOf(req);
      },
    };
    const address = this.#clientAddress(req);
    const outcome = await boundedAuthenticate(a, request, address, this.#refusals);
    if (!('principal' in outcome)) return outcome;
    if (outcome.token) attachCredential(outcome.principal, outcome.token);
    const edge = edgeIdentity(outcome.principal, address, endpoint);
    return { edge, auth: authInfoFor(edge), ...(outcome.nonce && { nonce: outcome.nonce }) };
  }

  /** With authentication on, admin routes and readiness learn who asks (for `isAdmin`); returns a refusal, if any. */
  async identifyForRoute(req: IncomingMessage): Promise<Unidentified | undefined> {
    if (!this.authenticator) return undefined;
    const identity = await this.#authenticate(this.authenticator, req);
    if (!('auth' in identity)) return identity;
    (req as { auth?: unknown }).auth = identity.auth;
    return undefined;
  }

  /**
   * 400/401/403 with the challenge and a JSON-RPC error body, or 429 with Retry-After (the address is over the
   * bound); the connection stays usable.
   */
  refuse(req: IncomingMessage, res: ServerResponse, why: Unidentified): void {
    // A refused body is not read: close the connection after answering rather than drain what a stranger streams.
    const body = (req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding'] !== undefined;
    const close = body ? { connection: 'close' } : undefined;
    if ('throttled' in why) {
      this.#onRefused?.(429, TOO_MANY_REFUSALS);
      const { body, retryAfter } = throttledAnswer(why.throttled);
      sendJson(res, 429, body, { 'retry-after': retryAfter, ...close });
      return;
    }
    const { refusal } = why;
    this.#onRefused?.(refusal.status, refusal.error);
    const challenge = this.authenticator!.challenge(refusal, this.#metadataUrlFor(req, pathOf(req)));
    const code = refusal.status === 403 ? ErrorCode.Forbidden : refusal.status === 400 ? ErrorCode.InvalidRequest : ErrorCode.Unauthorized;
    const headers = { 'www-authenticate': challenge, ...(refusal.nonce && { 'dpop-nonce': refusal.nonce }), ...close };
    sendJson(res, refusal.status, { jsonrpc: '2.0', id: null, error: { code, message: refusal.description } }, headers);
  }

  /**
   * The challenge for a refusal the pipeline raised (requireAuth, required scopes) on a path that answers with an
   * HTTP status: 401 asks for credentials, 403 with insufficient_scope data names the scopes to step up to. Other
   * refusals (access control's 403) carry none, as do servers without authentication.
   */
  pipelineChallenge(req: IncomingMessage, code: number, description: string, data: unknown): Record<string, string> | undefined {
    if (!this.authenticator) return undefined;
    const scope = (data as { error?: unknown; scope?: unknown } | undefined)?.error === 'insufficient_scope' ? (data as { scope?: unknown }).scope : undefined;
    let refusal: AuthRefusal | undefined;
    if (code === ErrorCode.Unauthorized) refusal = { status: 401, description };
    else if (code === ErrorCode.Forbidden && typeof scope === 'string') refusal = { status: 403, error: 'insufficient_scope', description, scope: scope.split(' ') };
    if (!refusal) return undefined;
    return { 'www-authenticate': this.authenticator.challenge(refusal, this.#metadataUrlFor(req, pathOf(req))) };
  }

  /**
   * A caller with an OAuth token refused for want of scope (required scopes' insufficient_scope) is answered as the
   * MCP authorization spec's scope challenge has it: 403 with the scopes to step up to, so its client re-authorizes
   * by itself. Callers with other credentials (API keys, mTLS) cannot step up: theirs stays an in-band error.
   */
  stepUpChallenge(req: IncomingMessage, answer: JSONRPCMessage): { status: number; headers: Record<string, string> } | undefined {
    const error = (answer as { error?: { code: number; message: string; data?: unknown } }).error;
    if (error?.code !== ErrorCode.Forbidden || identityOf((req as { auth?: AuthInfo }).auth)?.principal.kind !== 'jwt') return undefined;
    const headers = this.pipelineChallenge(req, error.code, error.message, error.data);
    return headers && { status: 403, headers };
  }

  /** Whether `path` is this server's protected-resource metadata (the plain or the path-suffixed well-known form). */
  isMetadataPath(path: string): boolean {
    if (!this.enabled || !path.startsWith(WELL_KNOWN)) return false;
    const suffix = path.slice(WELL_KNOWN.length);
    return suffix === '' || suffix === this.path || this.#endpointPaths.has(suffix);
  }

  /** RFC 9728 protected-resource metadata: public, so clients can find the authorization server. */
  serveMetadata(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'Method not allowed; use GET' }, { allow: 'GET' });
      return;
    }
    sendJson(res, 200, protectedResourceMetadata(this.#resourceFor(req, pathOf(req).slice(WELL_KNOWN.length)), this.authenticator!));
  }
}
