// The one error family: wire errors carry a JSON-RPC code; tool errors become `isError` results.
// Anything else is "unexpected" and is reported to the caller without its message or stack.

/** JSON-RPC and MCP error codes used on the wire. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Transport-level refusals (bad Accept, unsupported protocol version, conflicting stream), as the SDK uses it. */
  ServerError: -32000,
  SessionNotFound: -32001,
  ResourceNotFound: -32002,
  Unauthorized: -32010,
  Forbidden: -32011,
  RateLimited: -32012,
  Timeout: -32013,
  UpstreamUnavailable: -32014,
  /** An upstream answered, but with a reply that cannot be used (not JSON, not a valid result). */
  UpstreamBadReply: -32015,
  /** The caller must open a URL first (MCP URL elicitation, e.g. to authorize an upstream for themselves). */
  UrlElicitationRequired: -32042,
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND = Symbol.for('mcplex.error');

/** An error that is sent to the client as a JSON-RPC error with `code`, `message` and optional `data`. */
export class WireError extends Error {
  readonly [BRAND] = 'wire';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** A tool failure the user can act on: becomes a `tools/call` result with `isError: true` and this message. */
export class ToolError extends Error {
  readonly [BRAND] = 'tool';
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** Configuration problems: `code` is a stable `MCPLEX_ERR_CONFIG_*` string, `path` names the offending key. */
export class ConfigError extends Error {
  readonly [BRAND] = 'config';
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ConfigError';
  }
}

export function isWireError(e: unknown): e is WireError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === 'wire';
}
export function isToolError(e: unknown): e is ToolError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === 'tool';
}

/** Wire errors raised by other libraries (the SDK's ProtocolError) have a numeric `code`; keep them. */
export function asWireError(e: unknown): WireError | undefined {
  if (isWireError(e)) return e;
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'number') {
    const code = (e as unknown as { code: number; data?: unknown }).code;
    // -32000..-32099 and the standard range are protocol codes; anything else is not ours to expose.
    if (code <= -32000 && code >= -32768) return new WireError(code, e.message, (e as { data?: unknown }).data);
  }
  return undefined;
}
