// One completion line per request: who (principal, tenant, client address, session, endpoint), what (method, target, upstream), how long and
// how it ended, with the trace id when traced. Written at `debug` unless configured: see docs/observability.md.
import { trace } from '@opentelemetry/api';
import { type CallContext, type Logger, type Middleware, UPSTREAM_NAME } from '../core/index.js';
import { type Ending, observed } from './outcome.js';
import { TRACE_CONTEXT } from './tracing.js';

export type RequestLogLevel = 'debug' | 'info' | 'off';

export interface RequestLogOptions {
  /** The server's logger; lines carry `module: 'requests'`, so `logging.modules.requests` sets their level. */
  logger: Logger;
  /** Level of the completion line; default 'debug' (metrics and traces already count every request). */
  level?: RequestLogLevel;
  /** Include the tool arguments (secret-looking keys and the logger's configured paths are redacted). Default false. */
  args?: boolean;
}

type Leveled = Logger & { isLevelEnabled?: (level: string) => boolean };

function line(ctx: CallContext, ending: Ending, ms: number, args: boolean): Record<string, unknown> {
  const { principal } = ctx;
  // Fields set one by one where present (a conditional spread builds an object for each).
  const out: Record<string, unknown> = { rid: ctx.requestId, method: ctx.method };
  if (ctx.target !== undefined) out.target = ctx.target;
  const upstream = ctx.state.get(UPSTREAM_NAME);
  if (upstream !== undefined) out.upstream = upstream;
  out.era = ctx.era;
  const session = ctx.http?.headers.get('mcp-session-id');
  if (session) out.session = session;
  if (ctx.endpoint !== undefined) out.endpoint = ctx.endpoint;
  out.principal = principal.id;
  const client = ctx.http?.remoteAddress;
  if (client !== undefined) out.client = client;
  if (principal.tenant !== undefined) out.tenant = principal.tenant;
  out.durationMs = Math.round(ms * 1000) / 1000;
  out.outcome = ending.outcome;
  if (ending.code !== undefined) out.code = ending.code;
  const spanContext = ctx.state.has(TRACE_CONTEXT) ? trace.getSpanContext(ctx.state.get(TRACE_CONTEXT)!) : undefined;
  if (spanContext) {
    out.traceId = spanContext.traceId;
    out.spanId = spanContext.spanId;
  }
  const params = ctx.params as { arguments?: unknown } | undefined;
  if (args && params?.arguments !== undefined) out.args = params.arguments;
  return out;
}

export interface RequestLogMiddleware extends Middleware {
  /** Changes the line's level and whether it carries arguments, for the requests from now on (a config reload). */
  configure(opts: Pick<RequestLogOptions, 'level' | 'args'>): void;
}

export function requestLog(opts: RequestLogOptions): RequestLogMiddleware {
  const log = opts.logger.child({ module: 'requests' }) as Leveled;
  let level: RequestLogLevel = 'debug';
  let args = false;
  const configure = (o: Pick<RequestLogOptions, 'level' | 'args'>) => {
    level = o.level ?? 'debug';
    args = o.args === true;
  };
  configure(opts);
  const middleware: Middleware = function requestLogMiddleware(ctx, next) {
    // A disabled level costs one check: no timing, no line built. Read once: a reload mid-request changes the next.
    const at = level;
    const withArgs = args;
    if (at === 'off' || log.isLevelEnabled?.(at) === false) return next();
    return observed(ctx, next, (ending, ms) => log[at](line(ctx, ending, ms, withArgs), 'request'));
  };
  return Object.assign(middleware, { configure });
}
