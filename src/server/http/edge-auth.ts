// Authentication at the HTTP edge: every request's credentials become its identity (principal and peer address)
// before any session lookup or effect, or it is refused 401/403 with a Bearer challenge. Requests without
// credentials reuse one anonymous identity per connection, so the anonymous path stays cheap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { ANONYMOUS, attachCredential, ErrorCode } from '../../core/index.js';
import type { AuthRefusal, Authenticator } from '../../middleware/auth/index.js';
import { authInfoFor, type EdgeIdentity } from '../identity.js';
import { headerOf } from './request-info.js';
import { sendJson } from './respond.js';
import { clientCertificateOf } from './tls.js';

export interface Identified {
  readonly edge: EdgeIdentity;
  readonly auth: AuthInfo;
}

export const WELL_KNOWN = '/.well-known/oauth-protected-resource';

/** This server's resource identifier: configured, or this request's scheme, host and MCP path. */
function resourceOf(req: IncomingMessage, path: string, configured?: string): string {
  if (configured) return configured;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}${path}`;
}

/** Where the RFC 9728 metadata of `resource` lives (the path-suffixed well-known form). */
export function metadataUrlOf(resource: string): string {
  const u = new URL(resource);
  return `${u.origin}${WELL_KNOWN}${u.pathname === '/' ? '' : u.pathname}`;
}

export class EdgeAuth {
  readonly #anonymous = new WeakMap<Socket, Identified>();

  constructor(
    private readonly authenticator: Authenticator | undefined,
    private readonly path: string,
    private readonly resource?: string,
  ) {}

  get enabled(): boolean {
    return this.authenticator !== undefined;
  }

  #anonymousOn(socket: Socket): Identified {
    let identity = this.#anonymous.get(socket);
    if (!identity) {
      const edge: EdgeIdentity = { principal: ANONYMOUS, ...(socket.remoteAddress !== undefined && { remoteAddress: socket.remoteAddress }) };
      identity = { edge, auth: authInfoFor(edge) };
      this.#anonymous.set(socket, identity);
    }
    return identity;
  }

  /**
   * The request's identity, or why it is refused. Without an authenticator this is synchronous (no promise, no
   * allocation after a connection's first request): the anonymous fast path.
   */
  identify(req: IncomingMessage): Identified | Promise<Identified | { refusal: AuthRefusal }> {
    const a = this.authenticator;
    return a ? this.#authenticate(a, req) : this.#anonymousOn(req.socket);
  }

  async #authenticate(a: Authenticator, req: IncomingMessage): Promise<Identified | { refusal: AuthRefusal }> {
    const cert = clientCertificateOf(req);
    const bare = req.headers.authorization === undefined && req.headers['x-api-key'] === undefined && cert === undefined;
    if (bare && a.allowsAnonymous) {
      const outcome = await a.authenticate({ header: () => undefined });
      // The configured anonymous principal may carry scopes; only the plain one is shared per connection.
      if ('principal' in outcome && outcome.principal === ANONYMOUS) return this.#anonymousOn(req.socket);
      if ('refusal' in outcome) return outcome;
      const edge: EdgeIdentity = { principal: outcome.principal, ...(req.socket.remoteAddress !== undefined && { remoteAddress: req.socket.remoteAddress }) };
      return { edge, auth: authInfoFor(edge) };
    }
    const outcome = await a.authenticate({ header: (name) => headerOf(req, name), ...(cert && { clientCertificate: cert }) });
    if ('refusal' in outcome) return outcome;
    if (outcome.token) attachCredential(outcome.principal, outcome.token);
    const edge: EdgeIdentity = { principal: outcome.principal, ...(req.socket.remoteAddress !== undefined && { remoteAddress: req.socket.remoteAddress }) };
    return { edge, auth: authInfoFor(edge) };
  }

  /** With authentication on, admin routes and readiness learn who asks (for `isAdmin`); returns a refusal, if any. */
  async identifyForRoute(req: IncomingMessage): Promise<AuthRefusal | undefined> {
    if (!this.authenticator) return undefined;
    const identity = await this.#authenticate(this.authenticator, req);
    if ('refusal' in identity) return identity.refusal;
    (req as { auth?: unknown }).auth = identity.auth;
    return undefined;
  }

  /** 400/401/403 with the challenge and a JSON-RPC error body; the connection stays usable. */
  refuse(req: IncomingMessage, res: ServerResponse, refusal: AuthRefusal): void {
    const challenge = this.authenticator!.challenge(refusal, metadataUrlOf(resourceOf(req, this.path, this.resource)));
    const code = refusal.status === 403 ? ErrorCode.Forbidden : refusal.status === 400 ? ErrorCode.InvalidRequest : ErrorCode.Unauthorized;
    // A refused body is not read: close the connection after answering rather than drain what a stranger streams.
    const body = (req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding'] !== undefined;
    const headers = { 'www-authenticate': challenge, ...(body && { connection: 'close' }) };
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
    return { 'www-authenticate': this.authenticator.challenge(refusal, metadataUrlOf(resourceOf(req, this.path, this.resource))) };
  }

  /** Whether `path` is this server's protected-resource metadata (the plain or the path-suffixed well-known form). */
  isMetadataPath(path: string): boolean {
    return this.enabled && (path === WELL_KNOWN || path === `${WELL_KNOWN}${this.path}`);
  }

  /** RFC 9728 protected-resource metadata: public, so clients can find the authorization server. */
  serveMetadata(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'Method not allowed; use GET' }, { allow: 'GET' });
      return;
    }
    const m = this.authenticator!.metadata;
    sendJson(res, 200, {
      resource: resourceOf(req, this.path, this.resource),
      ...(m?.authorizationServers && { authorization_servers: m.authorizationServers }),
      ...(m?.scopesSupported && { scopes_supported: m.scopesSupported }),
      bearer_methods_supported: ['header'],
      resource_name: 'mcplex',
    });
  }
}
