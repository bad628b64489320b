// Builds the CallContext every middleware sees, the same way for requests the SDK server dispatches to the
// pipeline and for requests the gate admits. Logger and headers are built only if something reads them.
import { ANONYMOUS, type CallContext, ContextState, type Era, type Logger, type RequestMeta } from '../core/index.js';
import type { EdgeIdentity } from './identity.js';

export interface CallSource {
  readonly method: string;
  readonly target?: unknown;
  readonly params: Record<string, unknown>;
  readonly era: Era;
  readonly meta: RequestMeta;
  readonly signal: AbortSignal;
  readonly rid: string | number;
  readonly identity?: EdgeIdentity;
  /** The HTTP request's view, when the request came over HTTP. */
  readonly request?: Request;
}

export function buildCallContext(logger: Logger, s: CallSource): CallContext {
  let log: Logger | undefined;
  let http: CallContext['http'];
  const { request, identity } = s;
  const ctx: CallContext = {
    method: s.method,
    requestId: s.rid,
    target: s.target === undefined || s.target === null ? undefined : String(s.target),
    params: s.params,
    principal: identity?.principal ?? ANONYMOUS,
    era: s.era,
    meta: s.meta,
    signal: s.signal,
    get http() {
      if (request && !http) http = { headers: request.headers, ...(identity?.remoteAddress !== undefined && { remoteAddress: identity.remoteAddress }) };
      return http;
    },
    get log() {
      log ??= logger.child(bindingsOf(ctx));
      return log;
    },
    state: new ContextState(),
  };
  return ctx;
}

/** What every line a request logs carries (the principal as known when the request first logs: after authentication). */
function bindingsOf(ctx: CallContext): Record<string, unknown> {
  const session = ctx.http?.headers.get('mcp-session-id');
  const { principal } = ctx;
  return {
    rid: ctx.requestId,
    method: ctx.method,
    ...(ctx.target !== undefined && { target: ctx.target }),
    ...(session && { session }),
    principal: principal.id,
    ...(principal.tenant !== undefined && { tenant: principal.tenant }),
  };
}
