// Signed identity claims: the gateway tells an upstream who is calling in `_meta["io.mcplex/identity"]` (a JWT,
// HMAC-SHA256 with a shared key); `identityClaims()` verifies it in an upstream built with mcplex and sets ctx.principal.
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { ErrorCode, type Middleware, type Principal, WireError } from '../core/index.js';

/** The `_meta` key the claims travel under. Clients never set it: the gateway drops any it receives. */
export const IDENTITY_META = 'io.mcplex/identity';
const ISSUER = 'mcplex-gateway';
const encoder = new TextEncoder();

export interface IdentitySigning {
  /** The shared HMAC key (at least 32 bytes; from a secret, e.g. `${MCPLEX_IDENTITY_KEY}`). */
  key: string;
  /** Lifetime of one claim set; default 300 s. */
  ttlSeconds?: number;
  /** Who the claims are for (`aud`): the upstream's name, so claims for one server are refused by another. */
  audience: string;
}

/** The claims for `principal` as a compact JWS: sub, tenant, scopes, iat, exp, iss, aud. */
export function signIdentity(principal: Principal, opts: IdentitySigning): Promise<string> {
  return new SignJWT({ ...(principal.tenant !== undefined && { tenant: principal.tenant }), scopes: [...principal.scopes], kind: principal.kind })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.id)
    .setIssuer(ISSUER)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds ?? 300}s`)
    .sign(encoder.encode(opts.key));
}

export interface IdentityClaimsOptions {
  /** The key the gateway signs with. */
  key: string;
  /** This server's name as the gateway knows it (`aud`); without it any audience is accepted. */
  audience?: string;
  /** A request without claims: refused (default) or served as the anonymous principal. */
  onMissing?: 'reject' | 'anonymous';
  /** Clock skew tolerated on iat/exp; default 30 s. */
  clockToleranceSeconds?: number;
}

/**
 * What the gateway's upstream client sends on its own, with no caller behind it (handshake, keep-alive, the listen
 * stream, log level, shared resource subscriptions): served with claims verified when present, anonymous otherwise.
 */
const CONNECTION_METHODS = new Set(['initialize', 'server/discover', 'ping', 'subscriptions/listen', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

const refuse = (why: string) => new WireError(ErrorCode.Unauthorized, `Unauthorized: ${why}`);

/**
 * Sets `ctx.principal` from the gateway's signed claims. Missing claims are refused unless `onMissing: 'anonymous'`
 * (or the method is the connection's own, see CONNECTION_METHODS); forged, expired or mis-addressed ones always are. Place it first, before anything that reads the principal.
 */
export function identityClaims(opts: IdentityClaimsOptions): Middleware {
  if (encoder.encode(opts.key).length < 32) throw new Error('identityClaims: the key must be at least 32 bytes');
  const key = encoder.encode(opts.key);
  return async function identityClaims(ctx, next) {
    const token = ctx.meta[IDENTITY_META];
    if (token === undefined) {
      if (opts.onMissing === 'anonymous' || CONNECTION_METHODS.has(ctx.method)) return next();
      throw refuse('this server accepts calls only through the gateway (no signed identity in _meta)');
    }
    if (typeof token !== 'string') throw refuse('the signed identity is malformed');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        ...(opts.audience !== undefined && { audience: opts.audience }),
        clockTolerance: opts.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (err) {
      throw refuse(err instanceof joseErrors.JWTExpired ? 'the signed identity has expired' : 'the signed identity is not valid');
    }
    const scopes = Array.isArray(payload.scopes) ? payload.scopes.filter((s): s is string => typeof s === 'string') : [];
    ctx.principal = Object.freeze({
      id: String(payload.sub),
      kind: 'jwt',
      ...(typeof payload.tenant === 'string' && { tenant: payload.tenant }),
      scopes,
      claims: Object.freeze({ ...payload }),
    } satisfies Principal);
    return next();
  };
}
