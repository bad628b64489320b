// OpenTelemetry spans for MCP requests (OTel MCP semantic conventions): one SERVER span per request, parented by
// the W3C trace context in `_meta` (or the HTTP headers), and one CLIENT span per upstream call, injected into it.
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { type CallContext, type Middleware, OUTBOUND_TRACE, stateKey, type OutboundTrace, type TraceCarrier, UPSTREAM_NAME, VERSION } from '../core/index.js';
import { type Ending, endedBy, endedWith } from './outcome.js';

export interface TracingOptions {
  /** Default: the global tracer provider's `mcplex` tracer (a no-op until an SDK is registered, see docs/observability.md). */
  tracer?: Tracer;
  /** Default: the global propagator (W3C trace context once the SDK is started). */
  propagator?: TextMapPropagator;
  /** How the gateway reaches an upstream (`network.transport`, `server.address`, …), on its CLIENT spans; default none. */
  peerOf?: (upstream: string) => Attributes | undefined;
}

/** The request's trace context (its SERVER span), for middleware that opens spans of its own (`stageSpan`). */
export const TRACE_CONTEXT = stateKey<Context>('mcplex.traceContext');
/** The tracer of the request's span, so stage spans go where it goes. */
const TRACER = stateKey<Tracer>('mcplex.tracer');

/** Where the caller's trace context is: `_meta` first (MCP's place for it), else the HTTP request's headers. */
function carrierOf(ctx: CallContext): Record<string, string> {
  const { traceparent, tracestate } = ctx.meta;
  if (typeof traceparent === 'string') return { traceparent, ...(typeof tracestate === 'string' && { tracestate }) };
  const headers = ctx.http?.headers;
  const fromHeader = headers?.get('traceparent');
  if (!headers || !fromHeader) return {};
  const state = headers.get('tracestate');
  return { traceparent: fromHeader, ...(state && { tracestate: state }) };
}

/** The semantic-convention attributes of a request (mcp.*, gen_ai.*, jsonrpc.*). */
function attributesOf(ctx: CallContext): Attributes {
  const a: Attributes = { 'mcp.method.name': ctx.method, 'mcp.protocol.era': ctx.era };
  if (ctx.requestId !== undefined) a['jsonrpc.request.id'] = String(ctx.requestId);
  const http = ctx.http;
  a['network.transport'] = http ? 'tcp' : 'pipe';
  const session = http?.headers.get('mcp-session-id');
  if (session) a['mcp.session.id'] = session;
  const version = http?.headers.get('mcp-protocol-version');
  if (version) a['mcp.protocol.version'] = version;
  if (http?.remoteAddress) a['client.address'] = http.remoteAddress;
  if (ctx.target !== undefined) {
    if (ctx.method === 'tools/call') {
      a['gen_ai.tool.name'] = ctx.target;
      a['gen_ai.operation.name'] = 'execute_tool';
    } else if (ctx.method.startsWith('resources/')) a['mcp.resource.uri'] = ctx.target;
    else if (ctx.method === 'prompts/get') a['gen_ai.prompt.name'] = ctx.target;
  }
  return a;
}

const spanName = (method: string, target: string | undefined) => (target === undefined ? method : `${method} ${target}`);

function end(span: Span, ending: Ending): void {
  if (ending.outcome !== 'ok' && span.isRecording()) {
    const type = ending.code !== undefined ? String(ending.code) : ending.outcome;
    span.setAttribute('error.type', type);
    if (ending.code !== undefined) span.setAttribute('rpc.response.status_code', String(ending.code));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** Runs `fn` in a child span of the request's span: for middleware stages that do I/O (a store, a token exchange). */
export async function stageSpan<T>(ctx: CallContext, name: string, fn: () => Promise<T>, tracer?: Tracer): Promise<T> {
  const parent = ctx.state.get(TRACE_CONTEXT);
  if (!parent) return fn();
  const span = (tracer ?? ctx.state.get(TRACER) ?? trace.getTracer('mcplex', VERSION)).startSpan(name, { kind: SpanKind.INTERNAL }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Runs `fn` (a call to `store`) in a child span named `name`, unless the store is in-process (no I/O to show):
 * the stages with shared stores (rate limits, quotas, the cache) call their store through this.
 */
export function storeCall<T>(ctx: CallContext, store: { readonly inProcess?: boolean }, name: string, fn: () => Promise<T>): Promise<T> {
  return store.inProcess ? fn() : stageSpan(ctx, name, fn);
}

export function tracing(opts: TracingOptions = {}): Middleware {
  const tracer = opts.tracer ?? trace.getTracer('mcplex', VERSION);
  const propagator = (): TextMapPropagator => opts.propagator ?? propagation;

  function outbound(active: Context): OutboundTrace {
    return {
      around(ctx, upstream, send) {
        const attributes = { 'mcp.method.name': ctx.method, 'mcplex.upstream': upstream, ...opts.peerOf?.(upstream) };
        const span = tracer.startSpan(spanName(ctx.method, ctx.target), { kind: SpanKind.CLIENT, attributes }, active);
        const carrier: TraceCarrier = {};
        propagator().inject(trace.setSpan(active, span), carrier, defaultTextMapSetter);
        return send(carrier).then(
          (result) => {
            end(span, endedWith(result as Record<string, unknown>));
            return result;
          },
          (err: unknown) => {
            end(span, endedBy(ctx, err));
            throw err;
          },
        );
      },
    };
  }

  return function tracingMiddleware(ctx, next) {
    const carrier = carrierOf(ctx);
    // No trace context from the caller: a root span (what extracting from nothing gives, without the work).
    const parent = carrier.traceparent === undefined ? ROOT_CONTEXT : propagator().extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
    const span = tracer.startSpan(spanName(ctx.method, ctx.target), { kind: SpanKind.SERVER }, parent);
    // Attributes only for a span that is recorded: with tracing off (no SDK) this middleware costs next to nothing.
    if (span.isRecording()) span.setAttributes(attributesOf(ctx));
    const active = trace.setSpan(parent, span);
    ctx.state.set(TRACE_CONTEXT, active);
    ctx.state.set(TRACER, tracer);
    ctx.state.set(OUTBOUND_TRACE, outbound(active));
    // Callbacks on the answer's promise rather than an async frame around it (fewer promises a request).
    return context.with(active, next).then(
      (result) => {
        const upstream = ctx.state.get(UPSTREAM_NAME);
        if (upstream !== undefined && span.isRecording()) span.setAttribute('mcplex.upstream', upstream);
        end(span, endedWith(result));
        return result;
      },
      (err: unknown) => {
        end(span, endedBy(ctx, err));
        throw err;
      },
    );
  };
}
