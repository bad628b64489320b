// One upstream server's outbound credentials: the gateway's own token (OAuth client credentials, shared by every
// connection) and per-caller tokens (RFC 8693 exchange of the caller's verified token, cached per principal).
import { LRUCache } from 'lru-cache';
import { CachedToken } from '../../client/cached-token.js';
import { clientCredentialsToken, exchangeToken } from '../../client/oauth-token.js';
import type { UpstreamHttpOptions } from '../../client/upstream.js';
import { ErrorCode, WireError } from '../../core/index.js';
import type { ServerConfig } from '../config/index.js';
import { type StageRunner, untraced } from './instances.js';

type AuthProvider = NonNullable<UpstreamHttpOptions['authProvider']>;

/** Callers whose exchanged tokens are kept; beyond this the least recently seen are asked again. */
const MAX_PRINCIPALS = 10_000;

export class UpstreamCredentials {
  readonly #gateway: CachedToken | undefined;
  readonly #perCaller = new LRUCache<string, { subject: string; token: CachedToken }>({ max: MAX_PRINCIPALS });

  constructor(private readonly config: ServerConfig) {
    const cc = config.auth?.clientCredentials;
    this.#gateway = cc ? new CachedToken(() => clientCredentialsToken(cc)) : undefined;
  }

  /** True when each caller needs a token of its own (so a connection of its own, for HTTP). */
  get perCaller(): boolean {
    return this.config.auth?.tokenExchange !== undefined;
  }

  /** The shared connection's token source (client credentials), if configured. */
  shared(): AuthProvider | undefined {
    const cached = this.#gateway;
    if (!cached) return undefined;
    return { token: () => cached.get(), onUnauthorized: async () => cached.invalidate() };
  }

  /** The token source of the connection that serves caller `key` (token exchange, else the shared one). */
  forCaller(key: string): AuthProvider | undefined {
    if (!this.perCaller) return this.shared();
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

  #tokenOf(key: string): Promise<string> {
    const entry = this.#perCaller.get(key);
    if (!entry) return Promise.reject(new WireError(ErrorCode.Unauthorized, `Server '${this.config.name}': no caller token to exchange`));
    return entry.token.get();
  }
}
