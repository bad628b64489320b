// The gateway's authentication as config sets it up: the edge's authenticator and TLS files for serving, the
// stdio principal, and the refusal to serve a non-loopback address to anonymous callers without --insecure.
import { readFileSync } from 'node:fs';
import type { Principal } from '../core/index.js';
import { createAuthenticator } from '../middleware/auth/index.js';
import type { HttpServeOptions } from '../server/index.js';
import type { GatewayConfig } from './config/index.js';

/** Serving options from `auth:` and `listen.tls` (the TLS files are read now, so a bad path fails at start). */
export function servingAuth(config: GatewayConfig): Pick<HttpServeOptions, 'auth' | 'tls' | 'resource'> {
  const { auth, listen } = config;
  const tls = listen.tls && {
    cert: readFileSync(listen.tls.cert),
    key: readFileSync(listen.tls.key),
    ...(listen.tls.ca && { ca: readFileSync(listen.tls.ca) }),
    ...(listen.tls.requireClientCert !== undefined && { requireClientCert: listen.tls.requireClientCert }),
  };
  // `local` alone configures stdio only: HTTP stays as without the section.
  const http = auth && (auth.apiKeys || auth.jwt || auth.mtls || auth.anonymous);
  return {
    ...(http && { auth: createAuthenticator(auth) }),
    ...(auth?.resource && { resource: auth.resource }),
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

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');

/** Why serving this config over HTTP is unsafe (anyone on the network could call every tool), or undefined. */
export function insecureBind(config: GatewayConfig): string | undefined {
  const { host } = config.listen;
  if (isLoopback(host)) return undefined;
  const a = config.auth;
  if (a && (a.apiKeys || a.jwt || a.mtls) && !a.anonymous) return undefined;
  const why = a?.anonymous ? 'auth.anonymous lets callers in without credentials' : 'no authentication is configured (auth: apiKeys, jwt or mtls)';
  return (
    `refusing to listen on ${host}, which is reachable from other machines: ${why}, so anyone who can reach it could call every tool. ` +
    'Configure auth (e.g. `mcplex keys new` and auth.apiKeys), listen on 127.0.0.1, or pass --insecure if a proxy in front authenticates'
  );
}
