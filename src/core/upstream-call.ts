// What the pipeline learns about the upstream call a request turned into (gateway only): which upstream served
// it, and the hook through which tracing wraps that call and hands the trace context to inject into its `_meta`.
import type { CallContext } from './context.js';
import { stateKey } from './state.js';

/** The name of the upstream server the request was forwarded to; set by the gateway's forwarder. */
export const UPSTREAM_NAME = stateKey<string>('mcplex.upstream');

/** Trace context fields for the outgoing request's `_meta` (W3C `traceparent`, `tracestate`). */
export type TraceCarrier = Record<string, string>;

/**
 * Set by the tracing middleware: the forwarder runs each upstream call inside `around`, which opens a child
 * span and passes the carrier to write into the outgoing `_meta` (so the upstream's spans join the trace).
 */
export interface OutboundTrace {
  /** `call`: the request as sent on (a task's own context when a gateway task makes it, after its request ended). */
  around<T>(call: CallContext, upstream: string, send: (carrier: TraceCarrier) => Promise<T>): Promise<T>;
}

export const OUTBOUND_TRACE = stateKey<OutboundTrace>('mcplex.outboundTrace');
