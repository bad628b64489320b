// Pipeline middleware that refuses what the edge let in but this server does not serve: anonymous callers
// (when anonymous access is allowed for some paths only) and principals missing required scopes.
import { ErrorCode, type Middleware, WireError } from '../../core/index.js';
import { checkScopes } from '../scopes.js';

export interface RequireAuthOptions {
  /** Scopes every request's principal must hold; default none. */
  scopes?: string[];
  /** Methods this applies to; default every method except `initialize` and `ping` (so clients can connect and learn). */
  methods?: string[];
}

const OPEN = new Set(['initialize', 'ping', 'notifications/initialized', 'server/discover']);

export function requireAuth(o: RequireAuthOptions = {}): Middleware {
  const scopes = o.scopes ?? [];
  const methods = o.methods ? new Set(o.methods) : undefined;
  return async (ctx, next) => {
    if (methods ? !methods.has(ctx.method) : OPEN.has(ctx.method)) return next();
    const p = ctx.principal;
    if (p.kind === 'anonymous') throw new WireError(ErrorCode.Unauthorized, 'Unauthorized: authenticate to use this server (an API key or bearer token)');
    // Forbidden with insufficient_scope data, as required tool scopes refuse: the HTTP edge can name the scopes.
    checkScopes(p, scopes, 'this server');
    return next();
  };
}
