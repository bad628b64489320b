// DNS-rebinding protection: Host and Origin checks on every request to the MCP endpoint.
import type { IncomingMessage } from 'node:http';
import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { Cors } from './cors.js';
import type { ResolvedHttpOptions } from './options.js';

/** The server's own public origin (its `resource`'s): its own pages post from there, and no rebinding page can. */
export const isOwnOrigin = (origin: string, resource: string | undefined) => resource !== undefined && URL.canParse(resource) && new URL(resource).origin === origin;

const originOf = (url: string) => (URL.canParse(url) ? new URL(url).origin : undefined);

/**
 * A page of the origin the request addressed (behind a trusted proxy, the public one it forwards), when the server
 * serves only the hosts it names (`allowedHosts`): same-origin, so no rebinding page (whose host is not served).
 */
function isAddressedOrigin(origin: string, req: IncomingMessage, o: ResolvedHttpOptions): boolean {
  const own = o.allowedHosts !== undefined ? originOf(o.publicOrigin(req)) : undefined;
  return own !== undefined && own === originOf(origin);
}

/** Returns why the request is refused, or undefined when it may proceed (a page at an origin `cors` allows may). */
export function refusal(req: IncomingMessage, o: ResolvedHttpOptions, cors?: Cors): string | undefined {
  if (o.allowedHosts) {
    const host = validateHostHeader(req.headers.host, o.allowedHosts);
    if (!host.ok) return `Forbidden: ${host.message}`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !o.allowedOrigins.includes('*') && !cors?.allows(origin) && !isOwnOrigin(origin, o.resource) && !isAddressedOrigin(origin, req, o)) {
    const verdict = validateOriginHeader(origin, o.allowedOrigins);
    if (!verdict.ok) return `Forbidden: ${verdict.message}`;
  }
  return undefined;
}
