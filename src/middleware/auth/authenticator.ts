// The authenticator the edge calls for every HTTP request: one credential per request (a Bearer token — an API
// key or a JWT —, an X-API-Key header, or a verified client certificate), or anonymous when that is allowed.
import { ANONYMOUS, type Principal } from '../../core/index.js';
import { API_KEY_PREFIX, type ApiKeyPrincipal, ApiKeys } from './api-keys.js';
import { bearerChallenge } from './challenge.js';
import { JwtVerifier, type JwtOptions } from './jwt.js';
import { MtlsMapper, type MtlsOptions } from './mtls.js';
import { type Authenticator, type AuthOutcome, type AuthRequest, refuse } from './types.js';
import { VerifiedCache } from './verified-cache.js';

export interface AuthOptions {
  /** Hash (`sha256:<hex>`, from `mcplex keys new`) → principal. */
  apiKeys?: Record<string, ApiKeyPrincipal>;
  jwt?: JwtOptions;
  /** Needs TLS with a client CA on the listener (`tls.ca`). */
  mtls?: MtlsOptions;
  /** Let requests without credentials in, as the anonymous principal (or with these scopes/tenant). Default false. */
  anonymous?: boolean | { scopes?: string[]; tenant?: string };
  /** The realm in challenges; default 'mcplex'. */
  realm?: string;
  /**
   * How long a verified API key or JWT is reused without checking it again (never past the token's `exp`);
   * default 60 000 ms, 0 to verify every request.
   */
  verifiedCacheMs?: number;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function anonymousPrincipal(a: AuthOptions['anonymous']): Principal | undefined {
  if (!a) return undefined;
  if (a === true || (!a.scopes?.length && a.tenant === undefined)) return ANONYMOUS;
  return Object.freeze({ ...ANONYMOUS, scopes: Object.freeze([...(a.scopes ?? [])]), ...(a.tenant !== undefined && { tenant: a.tenant }) });
}

export function createAuthenticator(o: AuthOptions): Authenticator {
  const keys = o.apiKeys && Object.keys(o.apiKeys).length > 0 ? new ApiKeys(o.apiKeys) : undefined;
  const jwt = o.jwt ? new JwtVerifier(o.jwt) : undefined;
  const mtls = o.mtls ? new MtlsMapper(o.mtls) : undefined;
  const anonymous = anonymousPrincipal(o.anonymous);
  const realm = o.realm ?? 'mcplex';
  if (!keys && !jwt && !mtls && !anonymous) throw new Error('auth: configure at least one of apiKeys, jwt, mtls or anonymous');
  const unknownKey = () => refuse(401, 'Invalid token: unknown API key', 'invalid_token');
  const cacheMs = o.verifiedCacheMs ?? 60_000;
  const cache = cacheMs > 0 ? new VerifiedCache({ maxAgeMs: cacheMs }) : undefined;
  const apiKey = (key: string): AuthOutcome => {
    const principal = keys?.verify(key);
    return principal ? { principal } : unknownKey();
  };

  function check(token: string): AuthOutcome | Promise<AuthOutcome> {
    if (keys && (token.startsWith(API_KEY_PREFIX) || !jwt)) return apiKey(token);
    if (jwt) return jwt.verify(token);
    return refuse(401, 'Invalid token: bearer tokens are not accepted here', 'invalid_token');
  }
  // Kept apart by where the credential came from: each header is verified by its own rules.
  const bearer = (token: string) => (cache ? cache.verified(`bearer ${token}`, () => check(token)) : check(token));

  return {
    allowsAnonymous: anonymous !== undefined,
    ...(o.jwt && { metadata: { authorizationServers: o.jwt.authorizationServers ?? [o.jwt.issuer], ...(o.jwt.requiredScopes && { scopesSupported: o.jwt.requiredScopes }) } }),
    challenge: (refusal, resourceMetadataUrl) => bearerChallenge(realm, refusal, resourceMetadataUrl),
    async authenticate(req: AuthRequest): Promise<AuthOutcome> {
      const authorization = req.header('authorization');
      const apiKeyHeader = req.header('x-api-key');
      if (authorization !== undefined && apiKeyHeader !== undefined) return refuse(400, 'Invalid request: send one credential (Authorization or X-API-Key), not both', 'invalid_request');
      if (authorization !== undefined) {
        const match = BEARER.exec(authorization);
        // Another scheme (Basic, …) is no credential for us: the bare challenge says which one to use (RFC 6750 §3.1).
        if (!/^Bearer\b/i.test(authorization)) return refuse(401, 'Authentication required: use "Authorization: Bearer <token>"');
        if (!match) return refuse(400, 'Invalid request: the bearer token is malformed', 'invalid_request');
        return bearer(match[1]!);
      }
      if (apiKeyHeader !== undefined) {
        const key = apiKeyHeader.trim();
        return cache ? cache.verified(`x-api-key ${key}`, () => apiKey(key)) : apiKey(key);
      }
      if (mtls && req.clientCertificate) return mtls.map(req.clientCertificate);
      if (anonymous) return { principal: anonymous };
      return refuse(401, 'Authentication required: send "Authorization: Bearer <token>" or "X-API-Key: <key>"');
    },
  };
}
