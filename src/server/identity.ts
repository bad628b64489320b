// Who sent a request, as the edge established it (principal and client address), carried to the pipeline in the
// SDK's public `authInfo` slot so every path (our transports, the SDK's HTTP handler) delivers it the same way.
import type { AuthInfo } from '@modelcontextprotocol/server';
import { ANONYMOUS, type Principal } from '../core/index.js';

export interface EdgeIdentity {
  readonly principal: Principal;
  /** The client's IP address (HTTP: the peer's, or behind a trusted proxy the one it names); absent over stdio and in memory. */
  readonly remoteAddress?: string;
  /** The named endpoint (an extra MCP path) the request came to; absent on the main path. */
  readonly endpoint?: string;
}

const KEY = 'mcplex.identity';

/** The identity as the SDK's `AuthInfo` (what `req.auth` carries into `createMcpHandler`). */
export function authInfoFor(identity: EdgeIdentity): AuthInfo {
  const { principal } = identity;
  return { token: '', clientId: principal.id, scopes: [...principal.scopes], extra: { [KEY]: identity } };
}

/** The identity the edge attached, if any. */
export function identityOf(authInfo: AuthInfo | undefined): EdgeIdentity | undefined {
  return authInfo?.extra?.[KEY] as EdgeIdentity | undefined;
}

/** The identity of a local connection (stdio, in memory): configured principal, no address. */
export const localIdentity = (principal: Principal = ANONYMOUS): EdgeIdentity => ({ principal });
