// One upstream server's outbound credentials: the gateway's own token (OAuth client credentials, its workload
// identity, or the grant an administrator authorized, shared by every connection) and per-caller tokens (RFC 8693 exchange of the caller's
// verified token, cached per principal; or the grant each caller authorized for themselves).
import { LRUCache } from 'lru-cache';
import { CachedToken } from '../../client/cached-token.js';
import { GATEWAY_GRANT, type OAuthGrants } from '../../client/oauth-grants.js';
import { clientCredentialsToken, exchangeToken, workloadIdentityToken } from '../../client/oauth-token.js';
import type { UpstreamHttpOptions } from '../../client/upstream.js';
import type { InsufficientScope } from '../../client/upstream-errors.js';
import { ErrorCode, WireError } from '../../core/index.js';
import type { ServerConfig } from '../config/index.js';
import { authorizationRequired } from '../upstream-oauth.js';
import { type StageRunner, untraced } from './instances.js';

type AuthProvider = NonNullable<UpstreamHttpOptions['authProvider']>;

/** Callers whose exchanged tokens are kept; beyond this the least recently seen are asked again. */
const MAX_PRINCIPALS = 10_000;

export class UpstreamCredentials {
  readonly #gateway: CachedToken | undefined;
  readonly #perCaller = new LRUCache<string, { subject: string; token: CachedToken }>({ max: MAX_PRINCIPALS });

  constructor(
    private readonly config: ServerConfig,
    /** The server's OAuth grants (`auth.oauth`), when it has them. */
    readonly oauth?: OAuthGrants,
  ) {
    const cc = config.auth?.clientCredentials;
    const workload = config.auth?.workloadIdentity;
    this.#gateway = cc ? new CachedToken(() => clientCredentialsToken(cc)) : workload ? new CachedToken(() => workloadIdentityToken(workload)) : undefined;
  }

  /** True when each caller needs a token of its own (so a connection of its own, for HTTP). */
  get perCaller(): boolean {
    return this.config.auth?.tokenExchange !== undefined || this.authorizedByCallers;
  }

  /** Each caller authorizes the upstream for themselves (`auth.oauth.perCaller`), and may be asked to again. */
  get authorizedByCallers(): boolean {
    return this.oauth !== undefined && this.config.auth?.oauth?.perCaller === true;
  }

  /** The shared connection's token source (client credentials, or the gateway's OAuth grant), if configured. */
  shared(): AuthProvider | undefined {
    if (this.oauth) return this.oauth.provider(GATEWAY_GRANT);
    const cached = this.#gateway;
    if (!cached) return undefined;
    return { token: () => cached.get(), onUnauthorized: async () => cached.invalidate() };
  }

  /** The token source of the connection that serves caller `key` (token exchange, else the shared one). */
  forCaller(key: string): AuthProvider | undefined {
    if (!this.perCaller) return this.shared();
    if (this.oauth) return this.oauth.provider(key);
    return {
      token: () => this.#tokenOf(key),
      onUnauthorized: async () => this.#perCaller.get(key)?.token.invalidate(),
    };
  }

  /**
   * Records the caller's verified token before its call and makes sure an exchanged token is at hand, so a caller
   * without one, or a refused exchange, fails with a clear error before anything is sent upstream.
   */
  async prepare(key: string, subjectToken: string | undefined, stage: StageRunner = untraced): Promise<void> {
    if (this.authorizedByCallers) {
      // A caller who has not authorized the gateway yet is told where to (a URL elicitation), before anything is sent.
      if (await this.oauth!.has(key)) return;
      const url = await stage('oauth authorization', () => this.oauth!.authorize(key));
      if (url) throw authorizationRequired(this.config.name, url);
      return;
    }
    const exchange = this.config.auth?.tokenExchange;
    if (!exchange) return;
    if (subjectToken === undefined) {
      throw new WireError(ErrorCode.Unauthorized, `Server '${this.config.name}' acts on behalf of the caller: authenticate with a bearer token to use it`);
    }
    const known = this.#perCaller.get(key);
    if (known?.subject !== subjectToken) this.#perCaller.set(key, { subject: subjectToken, token: new CachedToken(() => exchangeToken(exchange, subjectToken)) });
    if (this.#perCaller.get(key)?.token.fresh) return;
    await stage('token exchange', () => this.#tokenOf(key));
  }

  /** A call that failed because the caller's grant no longer works (refused, not refreshable): where to authorize. */
  authorizationNeeded(key: string, since: number): WireError | undefined {
    const url = this.oauth!.startedSince(key, since);
    return url ? authorizationRequired(this.config.name, url) : undefined;
  }

  /**
   * The server refused a call made for caller `key` (undefined: on the shared connection) for want of scope: the
   * OAuth grant that made it (the caller's own, else the gateway's) asks for more. Undefined when a refresh was
   * enough (the call may be sent once more); else the caller's error: a URL elicitation to widen their own grant,
   * or, for the gateway's, a refusal saying an administrator must widen it (its URL goes to admins, never to a
   * caller). Only for a server with `auth.oauth`.
   */
  async stepUp(key: string | undefined, refused: InsufficientScope): Promise<WireError | undefined> {
    const oauth = this.oauth!;
    const grant = this.authorizedByCallers && key !== undefined ? key : GATEWAY_GRANT;
    const url = await oauth.stepUp(grant, refused.requiredScope, refused.resourceMetadataUrl);
    if (!url) return undefined;
    const scope = oauth.pendingStepUp(grant)?.scope ?? refused.requiredScope ?? '';
    if (grant !== GATEWAY_GRANT) return authorizationRequired(this.config.name, url, scope);
    return new WireError(
      ErrorCode.Forbidden,
      `Server '${this.config.name}' needs the gateway's authorization widened to scope "${scope}": an administrator approves it (GET /admin/oauth names the URL), then call again`,
    );
  }

  #tokenOf(key: string): Promise<string> {
    const entry = this.#perCaller.get(key);
    if (!entry) return Promise.reject(new WireError(ErrorCode.Unauthorized, `Server '${this.config.name}': no caller token to exchange`));
    return entry.token.get();
  }
}
