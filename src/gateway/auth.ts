// The gateway's authentication as config sets it up: the edge's authenticator and TLS files for serving, the
// stdio principal, the OAuth proxy's settings and audit records, and the refusal to serve a non-loopback address to
// anonymous callers without --insecure.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { ANONYMOUS, ErrorCode, isLoopback, type Principal, type ReplayGuard } from '../core/index.js';
import type { AuditEvent } from '../middleware/audit.js';
import { type Authenticator, createAuthenticator } from '../middleware/auth/index.js';
import type { HttpServeOptions, OAuthProxyEvent, OAuthProxySettings } from '../server/index.js';
import { credentialMethodsOf } from './config/auth.js';
import type { GatewayConfig } from './config/index.js';

/** Whether the section authenticates HTTP callers (`local` alone configures stdio only). */
const authenticatesHttp = (auth: GatewayConfig['auth']) => credentialMethodsOf(auth).length > 0 || !!auth?.anonymous;

/**
 * An authenticator that follows config reloads: added or revoked keys, a new JWT or mTLS setting apply to the next
 * request without a restart (one authenticator per `auth` section, so the JWKS cache lives as long as its settings).
 * Switching authentication on or off needs a restart; until then the last section that had it stays in force.
 */
function liveAuthenticator(current: () => GatewayConfig['auth'], onBadReload: (err: Error) => void, replay?: ReplayGuard): Authenticator {
  let section = current();
  const create = (s: NonNullable<GatewayConfig['auth']>) => createAuthenticator({ ...s, ...(replay && { replay }) });
  let active = create(section!);
  const now = (): Authenticator => {
    const next = current();
    if (next !== section && authenticatesHttp(next)) {
      // A reload that left the section as it was keeps the authenticator (and its key set cache).
      // One that cannot be built (e.g. an unreadable public key) leaves the previous one in force.
      if (!isDeepStrictEqual(next, section)) {
        try {
          active = create(next!);
        } catch (err) {
          onBadReload(err as Error);
        }
      }
      section = next;
    }
    return active;
  };
  return {
    authenticate: (req) => now().authenticate(req),
    challenge: (refusal, url) => now().challenge(refusal, url),
    recentlyVerified: (req) => now().recentlyVerified?.(req) === true,
    get metadata() {
      return now().metadata;
    },
    get allowsAnonymous() {
      return now().allowsAnonymous;
    },
  };
}

/**
 * Serving options from `auth:` and `listen.tls` (the TLS files are read now, so a bad path fails at start). `replay`:
 * where DPoP proofs are remembered, when replicas share it.
 */
export function servingAuth(
  config: GatewayConfig,
  current: () => GatewayConfig = () => config,
  onBadReload: (err: Error) => void = () => {},
  replay?: ReplayGuard,
): Pick<HttpServeOptions, 'auth' | 'tls' | 'resource' | 'refusalLimit'> {
  const { auth, listen } = config;
  const tls = listen.tls && {
    cert: readFileSync(listen.tls.cert),
    key: readFileSync(listen.tls.key),
    ...(listen.tls.ca && { ca: readFileSync(listen.tls.ca) }),
    ...(listen.tls.requireClientCert !== undefined && { requireClientCert: listen.tls.requireClientCert }),
  };
  return {
    ...(authenticatesHttp(auth) && { auth: liveAuthenticator(() => current().auth, onBadReload, replay) }),
    ...(auth?.resource && { resource: auth.resource }),
    ...(auth?.refusalLimit !== undefined && { refusalLimit: auth.refusalLimit }),
    ...(tls && { tls }),
  };
}

/** The principal of stdio callers (the local user), from `auth.local`. */
export function localPrincipalOf(config: GatewayConfig): Principal | undefined {
  const local = config.auth?.local;
  if (!local) return undefined;
  return Object.freeze({
    id: local.id,
    kind: 'local',
    ...(local.tenant !== undefined && { tenant: local.tenant }),
    scopes: Object.freeze([...(local.scopes ?? [])]),
    ...(local.roles && { roles: Object.freeze([...local.roles]) }),
    claims: Object.freeze({}),
  });
}

/**
 * What `auth.oauthProxy` serves by: the section, the public MCP URL and the identity provider (its `provider`, or the
 * issuer of `auth.jwt` or `auth.introspection`).
 */
export function oauthProxySettings(auth: GatewayConfig['auth']): OAuthProxySettings | undefined {
  const provider = auth?.oauthProxy?.provider;
  const idpIssuer = provider ? (provider.issuer ?? new URL(provider.authorizationUrl!).origin) : (auth?.jwt?.issuer ?? auth?.introspection?.issuer);
  return auth?.oauthProxy && auth.resource && idpIssuer ? { proxy: auth.oauthProxy, resource: auth.resource, idpIssuer } : undefined;
}

/**
 * An OAuth proxy's consent, sign-in or revocation as the audit log records it: as the act of whom signed in
 * (anonymous before), the client as target; -32011 when the person denied it or the provider refused.
 */
export function oauthProxyAudit(e: OAuthProxyEvent): AuditEvent {
  const principal: Principal = e.subject === undefined ? ANONYMOUS : { id: e.subject, kind: 'jwt', scopes: [], claims: {} };
  return { method: `oauth/${e.kind}`, principal, target: e.client, args: { ...(e.redirectUri && { redirectUri: e.redirectUri }), ...(e.tokenType && { tokenType: e.tokenType }), ...(e.refused && { refused: e.refused }), ...(e.remembered && { remembered: true }), ...(e.withdrawn && { withdrawn: true }) }, errorCode: e.refused ? ErrorCode.Forbidden : null, startedAt: e.at, durationMs: 0 };
}


/** Why serving this config over HTTP is unsafe (anyone on the network could call every tool), or undefined. */
export function insecureBind(config: GatewayConfig): string | undefined {
  const { host } = config.listen;
  if (isLoopback(host)) return undefined;
  const a = config.auth;
  if (credentialMethodsOf(a).length > 0 && !a?.anonymous) return undefined;
  const why = a?.anonymous ? 'auth.anonymous lets callers in without credentials' : 'no authentication is configured (auth: apiKeys, jwt, introspection or mtls)';
  return (
    `refusing to listen on ${host}, which is reachable from other machines: ${why}, so anyone who can reach it could call every tool. ` +
    'Configure auth (e.g. `mcplex keys new` and auth.apiKeys), listen on 127.0.0.1, or pass --insecure if a proxy in front authenticates'
  );
}
