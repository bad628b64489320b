// JWT bearer tokens (OAuth 2.1 resource server): signature against a remote JWKS (cached, re-fetched on an
// unknown `kid` at most once per cooldown) or a static key, then iss, aud (RFC 8707 resource), exp/nbf with a
// small skew and required scopes; configured claims become the principal's id, tenant, scopes and roles.
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import type { Principal } from '../../core/index.js';
import { type AuthOutcome, refuse } from './types.js';
import type { DpopNonceOptions } from './dpop-nonces.js';

export interface JwtClaimMap {
  /** Claim holding the principal id; default `sub`. */
  id?: string;
  /** Claim holding the tenant; default none. */
  tenant?: string;
  /** Claim holding scopes (space-separated string or array); default `scope`, then `scp`. */
  scopes?: string;
  /** Claim holding roles (array or space-separated string); default none. */
  roles?: string;
}

export interface JwtOptions {
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud`: this server's resource identifier(s) (RFC 8707), e.g. its public URL. */
  audience: string | string[];
  /** Key set URL of the authorization server. Give this, or `publicKey`, or `secret`. */
  jwksUrl?: string;
  /** A PEM public key (SPKI) or a JWK. */
  publicKey?: string | Record<string, unknown>;
  /** A shared secret (HS256/384/512); prefer asymmetric keys. */
  secret?: string;
  /** Accepted algorithms; default by key kind (asymmetric for JWKS and public keys, HS* for a secret). Never `none`. */
  algorithms?: string[];
  /** Clock skew allowed on exp/nbf/iat, in seconds; default 30. */
  clockToleranceSec?: number;
  /** Scopes every token must carry; missing ones answer 403 insufficient_scope. */
  requiredScopes?: string[];
  claims?: JwtClaimMap;
  /** Fewest seconds between two key set fetches (unknown `kid` floods cannot hammer the issuer); default 30. */
  jwksCooldownSec?: number;
  /** Key set cache lifetime in seconds; default 600. */
  jwksCacheMaxAgeSec?: number;
  /** Authorization servers announced in the RFC 9728 metadata; default [issuer]. */
  authorizationServers?: string[];
  /**
   * true: only DPoP-bound tokens (RFC 9449: `Authorization: DPoP` with a proof) are accepted, bearer JWTs refused.
   * Default false: both; a DPoP-bound token is accepted only with its proof, never as a bearer token.
   */
  requireDpop?: boolean;
  /** DPoP proofs must carry a nonce this server handed out lately (RFC 9449 §9): true, or the nonces' key and lifetime. */
  dpopNonce?: boolean | DpopNonceOptions;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const SYMMETRIC = ['HS256', 'HS384', 'HS512'];

type KeyInput = Parameters<typeof jwtVerify>[1];

function keyOf(o: JwtOptions): { key: KeyInput; algorithms: string[] } {
  const given = [o.jwksUrl, o.publicKey, o.secret].filter((k) => k !== undefined).length;
  if (given !== 1) throw new Error('jwt: give exactly one of jwksUrl, publicKey or secret');
  if (o.jwksUrl) {
    const set = createRemoteJWKSet(new URL(o.jwksUrl), {
      cooldownDuration: (o.jwksCooldownSec ?? 30) * 1000,
      cacheMaxAge: (o.jwksCacheMaxAgeSec ?? 600) * 1000,
      timeoutDuration: 5_000,
    });
    return { key: set, algorithms: o.algorithms ?? ASYMMETRIC };
  }
  if (o.secret !== undefined) {
    if (Buffer.byteLength(o.secret) < 32) throw new Error('jwt.secret must be at least 32 bytes');
    return { key: createSecretKey(Buffer.from(o.secret, 'utf8')), algorithms: o.algorithms ?? SYMMETRIC };
  }
  const pub: KeyObject = typeof o.publicKey === 'string' ? createPublicKey(o.publicKey) : createPublicKey({ key: o.publicKey as never, format: 'jwk' });
  return { key: pub, algorithms: o.algorithms ?? ASYMMETRIC };
}

export const list = (v: unknown): string[] => (typeof v === 'string' ? v.split(' ').filter(Boolean) : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Why a token failed, in words safe to send back (never the token, never key material). */
function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'the token is not valid yet';
    if (err.claim === 'aud') return 'the token is for another audience (resource)';
    if (err.claim === 'iss') return 'the token is from an unexpected issuer';
    return `the token's "${err.claim}" claim is invalid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token uses an algorithm this server does not accept';
  if (err instanceof errors.JWKSNoMatchingKey) return "no known key matches the token's key id";
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return 'the signing keys could not be fetched; try again';
  return 'the token is malformed or cannot be verified';
}

/**
 * The principal an OAuth access token's claims (a JWT's payload, or what introspection told) stand for, by the claim
 * map; refused when the id is missing or a required scope is.
 */
export function tokenPrincipal(claims: Record<string, unknown>, token: string, map: Required<Pick<JwtClaimMap, 'id'>> & JwtClaimMap, requiredScopes: readonly string[]): AuthOutcome {
  const id = claims[map.id];
  if (typeof id !== 'string' || id === '') return refuse(401, `Invalid token: the "${map.id}" claim (principal id) is missing`, 'invalid_token');
  const scopes = map.scopes ? list(claims[map.scopes]) : list(claims.scope ?? claims.scp);
  const missing = requiredScopes.filter((s) => !scopes.includes(s));
  if (missing.length > 0) return refuse(403, `Insufficient scope: the token lacks ${missing.join(', ')}`, 'insufficient_scope', [...requiredScopes]);
  const tenant = map.tenant ? claims[map.tenant] : undefined;
  const roles = map.roles ? list(claims[map.roles]) : undefined;
  const principal: Principal = Object.freeze({
    id,
    kind: 'jwt',
    ...(typeof tenant === 'string' && { tenant }),
    scopes: Object.freeze(scopes),
    ...(roles && { roles: Object.freeze(roles) }),
    claims: Object.freeze({ ...claims }),
  });
  return { principal, token };
}

/** A verifier for one JWT configuration. */
export class JwtVerifier {
  readonly #key: KeyInput;
  readonly #algorithms: string[];
  readonly #claims: Required<Pick<JwtClaimMap, 'id'>> & JwtClaimMap;

  constructor(private readonly o: JwtOptions) {
    const { key, algorithms } = keyOf(o);
    if (algorithms.some((a) => a.toLowerCase() === 'none')) throw new Error("jwt.algorithms must not include 'none'");
    this.#key = key;
    this.#algorithms = algorithms;
    this.#claims = { id: 'sub', ...o.claims };
  }

  get requiredScopes(): readonly string[] {
    return this.o.requiredScopes ?? [];
  }

  async verify(token: string): Promise<AuthOutcome> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#key as never, {
        issuer: this.o.issuer,
        audience: this.o.audience,
        algorithms: this.#algorithms,
        clockTolerance: this.o.clockToleranceSec ?? 30,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      return refuse(401, `Invalid token: ${reason(err)}`, 'invalid_token');
    }
    return tokenPrincipal(payload, token, this.#claims, this.requiredScopes);
  }
}
