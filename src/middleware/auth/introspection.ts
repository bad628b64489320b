// Opaque OAuth access tokens (RFC 7662 token introspection), for authorization servers whose access tokens are not
// JWTs (Ory Hydra by default, Keycloak, Auth0 or Okta set up so): each token is asked of the server's introspection
// endpoint, as this server's client there, and what it answers is checked as a JWT's claims are: active, `aud` this
// server's resource (a token the person got for another client or API is refused), `exp`, required scopes; the claim
// map makes the principal. The edge's verified cache spares asking again for a while (never past `exp`); a token the
// server refused is refused again for a few seconds without asking, so a flood of made-up tokens does not reach it;
// requests with the same token while it is being asked about share the one answer.
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import { isLoopback, sha256 } from '../../core/index.js';
import { type ClientKeyFields, clientAuth } from './client-auth.js';
import { type JwtClaimMap, list, tokenPrincipal } from './jwt.js';
import { type AuthOutcome, refuse } from './types.js';

export interface IntrospectionOptions extends ClientKeyFields {
  /** The authorization server's issuer: its metadata names the introspection endpoint. */
  issuer: string;
  /** This server's client there (introspection takes only authenticated clients): its secret, or its private key (private_key_jwt). */
  clientId: string;
  /** Expected `aud`: this server's resource identifier(s) (RFC 8707). */
  audience: string | string[];
  /** Scopes every token must carry; missing ones answer 403 insufficient_scope. */
  requiredScopes?: string[];
  /** Which claims make the principal (default: `sub` is the id, `scope` the scopes). */
  claims?: JwtClaimMap;
  /** Authorization servers announced in the RFC 9728 metadata; default [issuer]. */
  authorizationServers?: string[];
  /** How long a token the server said is not active (or is for another resource) is refused without asking; default 10 000 ms. */
  refusedCacheMs?: number;
}

type Refused = Extract<AuthOutcome, { refusal: unknown }>;

export class TokenIntrospector {
  #server: Promise<oidc.Configuration> | undefined;
  readonly #audience: string[];
  /** Tokens refused lately, by hash: each is refused again without asking until its entry runs out. */
  readonly #refused: LRUCache<string, Refused> | undefined;
  /** The answers being asked for now, by token hash: each shared by every request with that token meanwhile. */
  readonly #asking = new Map<string, Promise<AuthOutcome>>();

  constructor(private readonly o: IntrospectionOptions) {
    this.#audience = [o.audience].flat();
    const ttl = o.refusedCacheMs ?? 10_000;
    this.#refused = ttl > 0 ? new LRUCache({ max: 10_000, ttl }) : undefined;
  }

  async verify(token: string): Promise<AuthOutcome> {
    const key = sha256(token);
    const known = this.#refused?.get(key);
    if (known) return known;
    // A client's burst of requests with a token new here asks the server once, not once per request.
    const asking = this.#asking.get(key);
    if (asking) return asking;
    const asked = this.#ask(token, key).finally(() => this.#asking.delete(key));
    this.#asking.set(key, asked);
    return asked;
  }

  async #ask(token: string, key: string): Promise<AuthOutcome> {
    let claims: oidc.IntrospectionResponse;
    try {
      claims = await oidc.tokenIntrospection(await this.#discovered(), token);
    } catch (err) {
      // Not the server's answer about the token: asked again next time.
      return refuse(401, `Invalid token: it could not be checked with the authorization server (${whyNot(err)}); try again`, 'invalid_token');
    }
    const outcome = this.#judged(claims, token);
    if ('refusal' in outcome && outcome.refusal.status === 401) this.#refused?.set(key, outcome);
    return outcome;
  }

  /**
   * Whether the server answers this client at all (a pre-deploy check): a made-up token is asked about, and any
   * answer will do. Throws saying why not (unreachable, no introspection endpoint, `invalid_client`).
   */
  async probe(): Promise<void> {
    await oidc.tokenIntrospection(await this.#discovered(), `mcplex-check-${Date.now()}`).catch((err: unknown) => {
      throw new Error(whyNot(err));
    });
  }

  /** What the server's answer about `token` means here. */
  #judged(claims: oidc.IntrospectionResponse, token: string): AuthOutcome {
    if (claims.active !== true) return refuse(401, 'Invalid token: the authorization server says it is not active (expired, revoked or unknown)', 'invalid_token');
    if (!list(claims.aud).some((aud) => this.#audience.includes(aud))) return refuse(401, 'Invalid token: the token is for another audience (resource)', 'invalid_token');
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return refuse(401, 'Invalid token: the token has expired', 'invalid_token');
    return tokenPrincipal(claims, token, { id: 'sub', ...this.o.claims }, this.o.requiredScopes ?? []);
  }

  /** The authorization server's metadata, found once (and again after a failure). Plain HTTP only on this machine. */
  #discovered(): Promise<oidc.Configuration> {
    if (!this.#server) {
      const url = new URL(this.o.issuer);
      const server = clientAuth(this.o).then((auth) =>
        oidc.discovery(url, this.o.clientId, undefined, auth, {
          ...(url.protocol === 'http:' && isLoopback(url.hostname) && { execute: [oidc.allowInsecureRequests] }),
        }),
      );
      this.#server = server;
      server.catch(() => {
        if (this.#server === server) this.#server = undefined;
      });
    }
    return this.#server;
  }
}

/** Why the server could not be asked: what it answered (`invalid_client`: it did not take this server's secret or key), or the error. */
function whyNot(err: unknown): string {
  if (!(err instanceof oidc.ResponseBodyError)) return (err as Error).message;
  const said = `it answered ${err.error}${err.error_description ? `: ${err.error_description}` : ''}`;
  return err.error === 'invalid_client' ? `${said}; it did not take this server's client id and secret or key` : said;
}
