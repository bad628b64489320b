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

/**
 * A class, not an object literal with getters: V8 makes each such literal a dictionary-mode object, ≈ 15× slower
 * to create than an instance, and one that survived young-generation collections: every request's context, and
 * all it reached, was promoted to the old generation (bench/README.md, "GC"). `http`, `endpoint` and `log` are prototype
 * getters, so `{ ...ctx }` does not carry them.
 */
class RequestContext implements CallContext {
  readonly method: string;
  readonly requestId: string | number;
  readonly target: string | undefined;
  readonly params: Record<string, unknown>;
  principal: CallContext['principal'];
  readonly era: Era;
  readonly meta: RequestMeta;
  readonly signal: AbortSignal;
  readonly state = new ContextState();
  readonly #source: CallSource;
  readonly #logger: Logger;
  #http: CallContext['http'];
  #log: Logger | undefined;

  constructor(logger: Logger, s: CallSource) {
    this.method = s.method;
    this.requestId = s.rid;
    this.target = s.target === undefined || s.target === null ? undefined : String(s.target);
    this.params = s.params;
    this.principal = s.identity?.principal ?? ANONYMOUS;
    this.era = s.era;
    this.meta = s.meta;
    this.signal = s.signal;
    this.#source = s;
    this.#logger = logger;
  }

  /** What it was built from (derivedCallContext reads it). */
  get source(): CallSource {
    return this.#source;
  }

  get http(): CallContext['http'] {
    const { request, identity } = this.#source;
    if (request && !this.#http) this.#http = { headers: request.headers, ...(identity?.remoteAddress !== undefined && { remoteAddress: identity.remoteAddress }) };
    return this.#http;
  }

  get endpoint(): string | undefined {
    return this.#source.identity?.endpoint;
  }

  get log(): Logger {
    this.#log ??= this.#logger.child(bindingsOf(this));
    return this.#log;
  }
}

export const buildCallContext = (logger: Logger, s: CallSource): CallContext => new RequestContext(logger, s);

/**
 * Another request made on behalf of `ctx` (a gateway tool that runs the real call through the pipeline, a task's
 * work after its request): the same caller (as authenticated so far), id, signal, `_meta` and HTTP request unless
 * given, its own method, target and params, and a fresh state. Contexts not built here get no HTTP view.
 */
export function derivedCallContext(
  ctx: CallContext,
  logger: Logger,
  s: { method: string; target?: string; params: Record<string, unknown>; signal?: AbortSignal; meta?: RequestMeta },
): CallContext {
  const source = ctx instanceof RequestContext ? ctx.source : undefined;
  return new RequestContext(logger, {
    ...s,
    era: ctx.era,
    meta: s.meta ?? ctx.meta,
    signal: s.signal ?? ctx.signal,
    rid: ctx.requestId ?? 0,
    identity: { ...source?.identity, principal: ctx.principal },
    ...(source?.request && { request: source.request }),
  });
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
    ...(ctx.endpoint !== undefined && { endpoint: ctx.endpoint }),
    ...(principal.tenant !== undefined && { tenant: principal.tenant }),
  };
}
