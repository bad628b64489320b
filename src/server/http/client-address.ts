// The address of the client behind a request: its peer's, or, when the peer is one of the proxies the operator
// trusts, the nearest address in X-Forwarded-For (or RFC 7239 Forwarded) that is not one of them (proxy-addr:
// Express's rules, read from the right so a client cannot name itself). Per-client limits, refused-credential
// bounds and audit use it.
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { forwardedElements, type ProxyHeaders } from './forwarded.js';

export type ClientAddressOf = (req: IncomingMessage) => string | undefined;

/** What `trustedProxies` may list, as the config's error says it. */
export const TRUSTED_PROXIES_HINT = 'expected IP addresses or CIDR ranges (e.g. 10.0.0.0/8), or loopback, linklocal, uniquelocal';

/** Why `trusted` cannot be used (a bad entry named), or undefined. */
export function trustedProxiesProblem(trusted: readonly string[]): string | undefined {
  try {
    proxyaddr.compile([...trusted]);
    return undefined;
  } catch (err) {
    return `${(err as Error).message}: ${TRUSTED_PROXIES_HINT}`;
  }
}

/** An address some proxies write with its port (`203.0.113.7:51234`, `[2001:db8::1]:443`: Azure's), without it. */
const WITH_PORT = /^(?:(\d{1,3}(?:\.\d{1,3}){3})|\[([0-9A-Fa-f:.]+)\])(?::\d+)?$/;
export const withoutPort = (address: string): string => {
  const m = WITH_PORT.exec(address);
  return m ? (m[1] ?? m[2]!) : address;
};

/** The peer's address: the client's when no proxy is trusted. */
export const peerAddress: ClientAddressOf = (req) => req.socket.remoteAddress;

/**
 * The client address of each request: `peerAddress` when no proxy is trusted. With `forwarded`, the hops are the
 * `for=` of RFC 7239's elements (an obfuscated or missing one is `unknown`), read by the same rule.
 */
export function clientAddressOf(trustedProxies: readonly string[] | undefined, headers: ProxyHeaders = 'x-forwarded'): ClientAddressOf {
  if (!trustedProxies?.length) return peerAddress;
  const trust = proxyaddr.compile([...trustedProxies]);
  if (headers === 'x-forwarded') return (req) => (req.socket.remoteAddress === undefined ? undefined : withoutPort(proxyaddr(req, trust)));
  return (req) => {
    if (req.socket.remoteAddress === undefined) return undefined;
    const hops = forwardedElements(req.headers.forwarded).map((e) => (e.for ? withoutPort(e.for) : 'unknown'));
    // proxy-addr reads X-Forwarded-For: the same walk over the Forwarded hops.
    const asForwardedFor = { socket: req.socket, connection: req.socket, headers: { 'x-forwarded-for': hops.join(', ') } };
    return withoutPort(proxyaddr(asForwardedFor as unknown as IncomingMessage, trust));
  };
}
