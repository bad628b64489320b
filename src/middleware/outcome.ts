// How a request ended, in the few words metrics, traces and logs share: ok, a tool error (an `isError`
// result), a JSON-RPC error (with its code), or cancelled (the caller gave up, a timeout or shutdown).
import { asWireError, type CallContext, ErrorCode, isToolError, type McpResult } from '../core/index.js';

export type Outcome = 'ok' | 'tool_error' | 'error' | 'cancelled';

export interface Ending {
  outcome: Outcome;
  /** The JSON-RPC error code, for `error`. */
  code?: number;
}

/** The ending of a request that returned `result`. */
export function endedWith(result: McpResult): Ending {
  return { outcome: result.isError === true ? 'tool_error' : 'ok' };
}

/** The ending of a request whose pipeline threw `err` (the error mapper outside the chain turns it into the answer). */
export function endedBy(ctx: CallContext, err: unknown): Ending {
  if (ctx.signal.aborted) return { outcome: 'cancelled' };
  if (isToolError(err) && ctx.method === 'tools/call') return { outcome: 'tool_error' };
  return { outcome: 'error', code: asWireError(err)?.code ?? ErrorCode.InternalError };
}
