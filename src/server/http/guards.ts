// DNS-rebinding protection: Host and Origin checks on every request to the MCP endpoint.
import type { IncomingMessage } from 'node:http';
import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { Cors } from './cors.js';
import type { ResolvedHttpOptions } from './options.js';

/** The server's own public origin (its `resource`'s): its own pages post from there, and no rebinding page can. */
export const isOwnOrigin = (origin: string, resource: string | undefined) => resource !== undefined && URL.canParse(resource) && new URL(resource).origin === origin;

/** Returns why the request is refused, or undefined when it may proceed (a page at an origin `cors` allows may). */
export function refusal(req: IncomingMessage, o: ResolvedHttpOptions, cors?: Cors): string | undefined {
  if (o.allowedHosts) {
    const host = validateHostHeader(req.headers.host, o.allowedHosts);
    if (!host.ok) return `Forbidden: ${host.message}`;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !o.allowedOrigins.includes('*') && !cors?.allows(origin) && !isOwnOrigin(origin, o.resource)) {
    const verdict = validateOriginHeader(origin, o.allowedOrigins);
    if (!verdict.ok) return `Forbidden: ${verdict.message}`;
  }
  return undefined;
}
