// The authenticator the edge calls for every HTTP request: one credential per request (a Bearer token — an API
// key or a JWT —, a DPoP-bound JWT with its proof, an X-API-Key header, or a verified client certificate), or
// anonymous when that is allowed.
import { ANONYMOUS, type Principal, type ReplayGuard } from '../../core/index.js';
import { API_KEY_PREFIX, type ApiKeyPrincipal, ApiKeys } from './api-keys.js';
import { bearerChallenge } from './challenge.js';
import { DPOP_ALGORITHMS, DpopProofs } from './dpop.js';
import { DpopNonces } from './dpop-nonces.js';
import { type IntrospectionOptions, TokenIntrospector } from './introspection.js';
import { JwtVerifier, type JwtOptions } from './jwt.js';
import { MtlsMapper, type MtlsOptions } from './mtls.js';
import { type Authenticator, type AuthOutcome, type AuthRefusal, type AuthRequest, refuse } from './types.js';
import { VerifiedCache } from './verified-cache.js';

export interface AuthOptions {
  /** Hash (`sha256:<hex>`, from `mcplex keys new`) → principal. */
  apiKeys?: Record<string, ApiKeyPrincipal>;
  jwt?: JwtOptions;
  /** Opaque access tokens, checked with the authorization server's introspection endpoint (RFC 7662). */
  introspection?: IntrospectionOptions;
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
  /** Where DPoP proofs seen are remembered against replay; default this process's memory (replicas share Redis's). */
  replay?: ReplayGuard;
}

/** The authorization servers a token check announces: those configured, else its issuer. */
const serversOf = (check: { issuer: string; authorizationServers?: string[] } | undefined) => (check ? (check.authorizationServers ?? [check.issuer]) : []);
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** A JWS in compact form: three base64url parts. */
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/;
const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The key a JWT is bound to (RFC 9449 §6.1 `cnf.jkt`), if it is. */
function boundKeyOf(principal: Principal): string | undefined {
  if (principal.kind !== 'jwt') return undefined;
  const jkt = (principal.claims.cnf as { jkt?: unknown } | undefined)?.jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}

/** A refusal answered with a DPoP challenge. */
const asDpop = ({ refusal }: { refusal: AuthRefusal }): { refusal: AuthRefusal } => ({ refusal: { ...refusal, scheme: 'DPoP' } });

function anonymousPrincipal(a: AuthOptions['anonymous']): Principal | undefined {
  if (!a) return undefined;
  if (a === true || (!a.scopes?.length && a.tenant === undefined)) return ANONYMOUS;
  return Object.freeze({ ...ANONYMOUS, scopes: Object.freeze([...(a.scopes ?? [])]), ...(a.tenant !== undefined && { tenant: a.tenant }) });
}

export function createAuthenticator(o: AuthOptions): Authenticator {
  const keys = o.apiKeys && Object.keys(o.apiKeys).length > 0 ? new ApiKeys(o.apiKeys) : undefined;
  const jwt = o.jwt ? new JwtVerifier(o.jwt) : undefined;
  const introspection = o.introspection ? new TokenIntrospector(o.introspection) : undefined;
  /** What takes OAuth access tokens: the JWT check, introspection, or both (a JWT to the one, any other token to the other). */
  const oauth = jwt ?? introspection;
  const mtls = o.mtls ? new MtlsMapper(o.mtls) : undefined;
  const anonymous = anonymousPrincipal(o.anonymous);
  const realm = o.realm ?? 'mcplex';
  if (!keys && !oauth && !mtls && !anonymous) throw new Error('auth: configure at least one of apiKeys, jwt, introspection, mtls or anonymous');
  const unknownKey = () => refuse(401, 'Invalid token: unknown API key', 'invalid_token');
  const cacheMs = o.verifiedCacheMs ?? 60_000;
  const cache = cacheMs > 0 ? new VerifiedCache({ maxAgeMs: cacheMs }) : undefined;
  const apiKey = (key: string): AuthOutcome => {
    const principal = keys?.verify(key);
    return principal ? { principal } : unknownKey();
  };

  function check(token: string): AuthOutcome | Promise<AuthOutcome> {
    if (keys && (token.startsWith(API_KEY_PREFIX) || !oauth)) return apiKey(token);
    if (jwt && (!introspection || COMPACT_JWS.test(token))) return jwt.verify(token);
    if (introspection) return introspection.verify(token);
    return refuse(401, 'Invalid token: bearer tokens are not accepted here', 'invalid_token');
  }
  // Kept apart by where the credential came from: each header is verified by its own rules.
  const verified = (token: string) => (cache ? cache.verified(`bearer ${token}`, () => check(token)) : check(token));
  const nonce = o.jwt?.dpopNonce;
  const proofs = oauth ? new DpopProofs(o.replay, nonce ? new DpopNonces(nonce === true ? {} : nonce) : undefined) : undefined;
  const dpopRequired = o.jwt?.requireDpop === true;

  /** A token sent as Bearer: a JWT bound to a key is no bearer token (RFC 9449 §7.2), and none is when DPoP is required. */
  function asBearer(outcome: AuthOutcome): AuthOutcome {
    if (!('principal' in outcome) || outcome.principal.kind !== 'jwt') return outcome;
    if (boundKeyOf(outcome.principal) !== undefined) return asDpop(refuse(401, 'Invalid token: it is bound to a key (DPoP): send it as "Authorization: DPoP <token>" with a DPoP proof', 'invalid_token'));
    if (dpopRequired) return asDpop(refuse(401, 'Invalid token: this server takes DPoP-bound tokens only ("Authorization: DPoP <token>" with a DPoP proof)', 'invalid_token'));
    return outcome;
  }

  /** A DPoP-bound JWT (`Authorization: DPoP`): the token verified, then its proof, made with the key it is bound to. */
  async function dpop(authorization: string, req: AuthRequest): Promise<AuthOutcome> {
    const match = DPOP.exec(authorization);
    if (!match) return asDpop(refuse(400, 'Invalid request: the DPoP token is malformed', 'invalid_request'));
    const token = match[1]!;
    const outcome = await verified(token);
    if ('refusal' in outcome) return asDpop(outcome);
    const bound = boundKeyOf(outcome.principal);
    if (bound === undefined) return asDpop(refuse(401, 'Invalid token: it is not bound to a key (no cnf.jkt): send it as "Authorization: Bearer <token>"', 'invalid_token'));
    if (req.url === undefined) return asDpop(refuse(401, 'Invalid DPoP proof: this endpoint cannot check proofs', 'invalid_dpop_proof'));
    const proven = await proofs!.verify(req.header('dpop'), { method: req.method ?? 'POST', url: req.url, token });
    if ('refusal' in proven) return proven;
    if (proven.jkt !== bound) return asDpop(refuse(401, 'Invalid DPoP proof: it was made with another key than the one the token is bound to', 'invalid_dpop_proof'));
    return proven.nonce ? { ...outcome, nonce: proven.nonce } : outcome;
  }

  const requiredScopes = o.jwt?.requiredScopes ?? o.introspection?.requiredScopes;
  return {
    allowsAnonymous: anonymous !== undefined,
    ...(oauth && {
      metadata: {
        authorizationServers: [...new Set([...serversOf(o.jwt), ...serversOf(o.introspection)])],
        ...(requiredScopes && { scopesSupported: requiredScopes }),
        dpopAlgorithms: DPOP_ALGORITHMS,
        dpopRequired,
      },
    }),
    challenge: (refusal, resourceMetadataUrl) => bearerChallenge(realm, refusal, resourceMetadataUrl),
    recentlyVerified(req: AuthRequest): boolean {
      const authorization = req.header('authorization');
      const apiKeyHeader = req.header('x-api-key');
      if (authorization !== undefined) {
        const token = (BEARER.exec(authorization) ?? DPOP.exec(authorization))?.[1];
        return token !== undefined && cache?.has(`bearer ${token}`) === true;
      }
      if (apiKeyHeader !== undefined) return cache?.has(`x-api-key ${apiKeyHeader.trim()}`) === true;
      return req.clientCertificate !== undefined;
    },
    async authenticate(req: AuthRequest): Promise<AuthOutcome> {
      const authorization = req.header('authorization');
      const apiKeyHeader = req.header('x-api-key');
      if (authorization !== undefined && apiKeyHeader !== undefined) return refuse(400, 'Invalid request: send one credential (Authorization or X-API-Key), not both', 'invalid_request');
      if (authorization !== undefined) {
        if (oauth && /^DPoP\b/i.test(authorization)) return dpop(authorization, req);
        const match = BEARER.exec(authorization);
        // Another scheme (Basic, …) is no credential for us: the bare challenge says which one to use (RFC 6750 §3.1).
        if (!/^Bearer\b/i.test(authorization)) return refuse(401, 'Authentication required: use "Authorization: Bearer <token>"');
        if (!match) return refuse(400, 'Invalid request: the bearer token is malformed', 'invalid_request');
        return oauth ? asBearer(await verified(match[1]!)) : verified(match[1]!);
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
