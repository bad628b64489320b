// How a request ended, in the few words metrics, traces and logs share: ok, a tool error (an `isError`
// result), a JSON-RPC error (with its code), or cancelled (the caller gave up, a timeout or shutdown).
import { asWireError, type CallContext, ErrorCode, isToolError, type McpResult, type Next } from '../core/index.js';

export type Outcome = 'ok' | 'tool_error' | 'error' | 'cancelled';

export interface Ending {
  outcome: Outcome;
  /** The JSON-RPC error code, for `error`. */
  code?: number;
  /** For a RateLimited refusal: which limit refused ('rate', 'quota', 'concurrency', 'capability'; rate-limited.ts). */
  limit?: string;
}

/** The ending of a request that returned `result`. */
export function endedWith(result: McpResult): Ending {
  return { outcome: result.isError === true ? 'tool_error' : 'ok' };
}

/** The ending of a request whose pipeline threw `err` (the error mapper outside the chain turns it into the answer). */
export function endedBy(ctx: CallContext, err: unknown): Ending {
  if (ctx.signal.aborted) return { outcome: 'cancelled' };
  if (isToolError(err) && ctx.method === 'tools/call') return { outcome: 'tool_error' };
  const wire = asWireError(err);
  const code = wire?.code ?? ErrorCode.InternalError;
  const limit = code === ErrorCode.RateLimited ? (wire?.data as { limit?: unknown } | undefined)?.limit : undefined;
  return { outcome: 'error', code, ...(typeof limit === 'string' && { limit }) };
}

/** Runs `next()` and tells `done` how the request ended and how long it took (ms), whichever way it ended. */
export function observed(ctx: CallContext, next: Next, done: (ending: Ending, ms: number) => void): Promise<McpResult> {
  const started = performance.now();
  // Callbacks on next()'s promise rather than an async frame around it: one promise a request instead of three.
  return next().then(
    (result) => {
      done(endedWith(result), performance.now() - started);
      return result;
    },
    (err: unknown) => {
      done(endedBy(ctx, err), performance.now() - started);
      throw err;
    },
  );
}
