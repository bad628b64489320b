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
  return {
    method: s.method,
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
      log ??= logger.child({ rid: s.rid, method: s.method });
      return log;
    },
    state: new ContextState(),
  };
}
