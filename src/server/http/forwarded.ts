// Which headers a trusted proxy names the client and the public origin in: `x-forwarded` (X-Forwarded-For, -Proto,
// -Host, -Port: nginx, most load balancers) or `forwarded` (RFC 7239 `Forwarded: for=…;proto=…;host=…`: HAProxy's
// `option forwarded`, Envoy, some CDNs). One kind only, as configured: a proxy passes the other kind on as the client
// wrote it, so reading both would let a client name itself.
import parseForwarded from 'forwarded-parse';

export type ProxyHeaders = 'x-forwarded' | 'forwarded';
export const PROXY_HEADERS: readonly ProxyHeaders[] = ['x-forwarded', 'forwarded'];

export interface ForwardedElement {
  for?: string;
  proto?: string;
  host?: string;
}

/** The header's elements (one per proxy), split outside quoted strings. */
function elementsOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((e) => e.trim());
}

/**
 * The elements of `Forwarded`, each parsed alone: a malformed one (a client's, left of the proxies' own) spoils only
 * itself (an empty element), never the ones the trusted proxies appended.
 */
export function forwardedElements(header: string | string[] | undefined): ForwardedElement[] {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return [];
  return elementsOf(text).map((element) => {
    try {
      return (parseForwarded(element)[0] ?? {}) as ForwardedElement;
    } catch {
      return {};
    }
  });
}

/** The element a proxy appends for a peer: `for=192.0.2.7`, `for="[2001:db8::1]"` (RFC 7239 §6). */
export const forwardedFor = (address: string): string => (address.includes(':') ? `for="[${address}]"` : `for=${address}`);
