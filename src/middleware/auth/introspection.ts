// Opaque OAuth access tokens (RFC 7662 token introspection), for authorization servers whose access tokens are not
// JWTs (Ory Hydra by default, Keycloak, Auth0 or Okta set up so): each token is asked of the server's introspection
// endpoint, as this server's client there, and what it answers is checked as a JWT's claims are: active, `aud` this
// server's resource (a token the person got for another client or API is refused), `exp`, required scopes; the claim
// map makes the principal. The edge's verified cache spares asking again for a while (never past `exp`).
import * as oidc from 'openid-client';
import { isLoopback } from '../../core/index.js';
import { type JwtClaimMap, list, tokenPrincipal } from './jwt.js';
import { type AuthOutcome, refuse } from './types.js';

export interface IntrospectionOptions {
  /** The authorization server's issuer: its metadata names the introspection endpoint. */
  issuer: string;
  /** This server's client there (introspection takes only authenticated clients). */
  clientId: string;
  clientSecret: string;
  /** Expected `aud`: this server's resource identifier(s) (RFC 8707). */
  audience: string | string[];
  /** Scopes every token must carry; missing ones answer 403 insufficient_scope. */
  requiredScopes?: string[];
  /** Which claims make the principal (default: `sub` is the id, `scope` the scopes). */
  claims?: JwtClaimMap;
  /** Authorization servers announced in the RFC 9728 metadata; default [issuer]. */
  authorizationServers?: string[];
}

export class TokenIntrospector {
  #server: Promise<oidc.Configuration> | undefined;
  readonly #audience: string[];

  constructor(private readonly o: IntrospectionOptions) {
    this.#audience = [o.audience].flat();
  }

  async verify(token: string): Promise<AuthOutcome> {
    let claims: oidc.IntrospectionResponse;
    try {
      claims = await oidc.tokenIntrospection(await this.#discovered(), token);
    } catch (err) {
      return refuse(401, `Invalid token: it could not be checked with the authorization server (${(err as Error).message}); try again`, 'invalid_token');
    }
    if (claims.active !== true) return refuse(401, 'Invalid token: the authorization server says it is not active (expired, revoked or unknown)', 'invalid_token');
    if (!list(claims.aud).some((aud) => this.#audience.includes(aud))) return refuse(401, 'Invalid token: the token is for another audience (resource)', 'invalid_token');
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) return refuse(401, 'Invalid token: the token has expired', 'invalid_token');
    return tokenPrincipal(claims, token, { id: 'sub', ...this.o.claims }, this.o.requiredScopes ?? []);
  }

  /** The authorization server's metadata, found once (and again after a failure). Plain HTTP only on this machine. */
  #discovered(): Promise<oidc.Configuration> {
    if (!this.#server) {
      const url = new URL(this.o.issuer);
      const server = oidc.discovery(url, this.o.clientId, this.o.clientSecret, undefined, {
        ...(url.protocol === 'http:' && isLoopback(url.hostname) && { execute: [oidc.allowInsecureRequests] }),
      });
      this.#server = server;
      server.catch(() => {
        if (this.#server === server) this.#server = undefined;
      });
    }
    return this.#server;
  }
}
