// The origin a client addressed (scheme and host), which the server's own URLs are built from when no `resource` is
// configured: the protected-resource metadata, the Bearer challenge's `resource_metadata`, a DPoP proof's `htu`. From
// a trusted proxy (listen.trustedProxies) it is what X-Forwarded-Proto, -Host and -Port say (their first values: the
// outermost proxy's, Express's rules), or with `proxyHeaders: forwarded` the first element of RFC 7239 `Forwarded`,
// so a gateway behind a TLS-terminating proxy names its public https URL; a forwarded host outside `allowedHosts` is
// not taken (the request's own Host is, which the guards checked).
import type { IncomingMessage } from 'node:http';
import { validateHostHeader } from '@modelcontextprotocol/server';
import proxyaddr from 'proxy-addr';
import { forwardedElements, type ProxyHeaders } from './forwarded.js';

export type PublicOriginOf = (req: IncomingMessage) => string;

const SCHEMES = new Set(['http', 'https']);

const firstValue = (header: string | string[] | undefined): string | undefined => {
  const value = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
  return value ? value : undefined;
};

/** A host name or address with an optional port, and nothing else (no path, query or credentials). */
const isHost = (value: string): boolean => {
  const url = URL.canParse(`http://${value}`) ? new URL(`http://${value}`) : undefined;
  return url !== undefined && url.pathname === '/' && !url.search && !url.hash && !url.username && !value.includes('/');
};

const schemeOf = (req: IncomingMessage) => ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');

/** The origin of the listener the request came in on, as its Host header names it. */
export const ownOrigin: PublicOriginOf = (req) => `${schemeOf(req)}://${req.headers.host ?? 'localhost'}`;

/** An explicit port for `host` when it has none and `port` is not the scheme's default (X-Forwarded-Port). */
function withPort(scheme: string, host: string, port: string | undefined): string {
  if (port === undefined || !/^\d{1,5}$/.test(port) || !URL.canParse(`${scheme}://${host}`)) return host;
  const url = new URL(`${scheme}://${host}`);
  if (url.port !== '' || /:\d+$/.test(host)) return host;
  url.port = port;
  return url.host;
}

/** How each request's public origin is read: `ownOrigin` unless proxies are trusted. */
export function publicOriginOf(trustedProxies: readonly string[] | undefined, allowedHosts: readonly string[] | undefined, headers: ProxyHeaders = 'x-forwarded'): PublicOriginOf {
  if (!trustedProxies?.length) return ownOrigin;
  const trust = proxyaddr.compile([...trustedProxies]);
  const allowed = allowedHosts && [...allowedHosts];
  const served = (host: string | undefined) => host !== undefined && isHost(host) && (!allowed || validateHostHeader(host, allowed).ok);
  return (req) => {
    const peer = req.socket.remoteAddress;
    if (peer === undefined || !trust(peer, 0)) return ownOrigin(req);
    let proto: string | undefined;
    let forwardedHost: string | undefined;
    let port: string | undefined;
    if (headers === 'forwarded') {
      const outermost = forwardedElements(req.headers.forwarded)[0];
      proto = outermost?.proto?.toLowerCase();
      forwardedHost = outermost?.host;
    } else {
      proto = firstValue(req.headers['x-forwarded-proto'])?.toLowerCase();
      forwardedHost = firstValue(req.headers['x-forwarded-host']);
      port = firstValue(req.headers['x-forwarded-port']);
    }
    const scheme = proto && SCHEMES.has(proto) ? proto : schemeOf(req);
    const host = served(forwardedHost) ? forwardedHost! : (req.headers.host ?? 'localhost');
    return `${scheme}://${withPort(scheme, host, port)}`;
  };
}

export type PublicPrefixOf = (req: IncomingMessage) => string;

/** A path prefix as a proxy may name it: `/a/b` (no trailing slash, no `.` or `..` segment, no empty one, no query). */
const PREFIX = /^(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)+$/;
const isPrefix = (value: string) => PREFIX.test(value) && !value.split('/').some((segment) => segment === '.' || segment === '..');

/**
 * The path a trusted proxy mounts the server under (`X-Forwarded-Prefix: /team-a`, as Traefik's StripPrefix and
 * Spring's and ASP.NET's proxies set it; its first value), put before the paths the server names to its clients: the
 * legacy SSE transport's `endpoint` event, its OAuth resource and metadata URL, and the URL a DPoP proof names. ''
 * without trusted proxies, from another peer, or for a value that is not a plain absolute path.
 */
export function publicPrefixOf(trustedProxies: readonly string[] | undefined): PublicPrefixOf {
  if (!trustedProxies?.length) return () => '';
  const trust = proxyaddr.compile([...trustedProxies]);
  return (req) => {
    const peer = req.socket.remoteAddress;
    if (peer === undefined || !trust(peer, 0)) return '';
    const prefix = firstValue(req.headers['x-forwarded-prefix'])?.replace(/\/+$/, '');
    return prefix && isPrefix(prefix) ? prefix : '';
  };
}
