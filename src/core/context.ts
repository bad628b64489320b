// The request as every middleware sees it, in an embedded server and in the gateway alike.
import type { Logger } from './logger.js';
import type { Principal } from './principal.js';
import type { ContextState } from './state.js';

export type Era = 'legacy' | 'modern';

/** The lists whose changes are announced (`notifications/<kind>/list_changed`). */
export type ChangeKind = 'tools' | 'resources' | 'prompts';

/** A JSON-RPC result object (`tools/call` result, list result, …). */
export type McpResult = Record<string, unknown>;

/** The request's `_meta`: progress token, trace context and anything else the client sent. */
export interface RequestMeta {
  progressToken?: string | number;
  traceparent?: string;
  tracestate?: string;
  [key: string]: unknown;
}

export interface CallContext {
  /** 'tools/call', 'tools/list', 'resources/read', … */
  readonly method: string;
  /** The JSON-RPC request id, as the client sent it. */
  readonly requestId?: string | number;
  /** Tool name, resource URI or prompt name, when the method has one. */
  readonly target?: string;
  /** Params as received. */
  readonly params: unknown;
  principal: Principal;
  readonly era: Era;
  readonly meta: RequestMeta;
  readonly signal: AbortSignal;
  readonly http?: { readonly headers: Headers; readonly remoteAddress?: string };
  /** The named endpoint (an extra MCP path) the request came to; absent on the main path, over stdio and in memory. */
  readonly endpoint?: string;
  readonly log: Logger;
  readonly state: ContextState;
}

export type Next = () => Promise<McpResult>;
export type Middleware = (ctx: CallContext, next: Next) => Promise<McpResult>;
