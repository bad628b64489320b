// The catch outside the chain: turns whatever a middleware or handler threw into what goes on the wire.
// Tool failures become `isError` results; unexpected errors lose their message and stack (logged instead).
import type { McpResult } from './context.js';
import { asWireError, ErrorCode, isToolError, WireError } from './errors.js';
import type { Logger } from './logger.js';

export type ErrorOutcome = { result: McpResult } | { error: WireError };

export function toolErrorResult(message: string): McpResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Maps `err` for `method`. Never includes an unexpected error's message, stack or data in the outcome. */
export function mapError(method: string, err: unknown, log: Logger): ErrorOutcome {
  if (isToolError(err)) {
    if (method === 'tools/call') return { result: toolErrorResult(err.message) };
    return { error: new WireError(ErrorCode.InvalidParams, err.message) };
  }
  const wire = asWireError(err);
  if (wire) return { error: wire };
  const ref = globalThis.crypto.randomUUID().slice(0, 8);
  // `log` is the request's own: its lines name the method already (a field named twice is a line some stores refuse).
  log.error({ err, ref }, 'unexpected error while handling request');
  const message = `Internal error (reference ${ref}); the server log has the details`;
  if (method === 'tools/call') return { result: toolErrorResult(message) };
  return { error: new WireError(ErrorCode.InternalError, message) };
}
