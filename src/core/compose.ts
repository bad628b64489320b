// Koa/Hono-style onion over Middleware, with guards against the two classic mistakes:
// calling next() twice, and forgetting to return a result.
import type { CallContext, McpResult, Middleware, Next } from './context.js';
import { ErrorCode, WireError } from './errors.js';

export type Handler = (ctx: CallContext) => Promise<McpResult>;

/** Runs `middlewares` in order around `handler`. The returned function rejects on any guard violation. */
export function compose(middlewares: readonly Middleware[], handler: Handler): Handler {
  const chain = [...middlewares];
  return function run(ctx: CallContext): Promise<McpResult> {
    let last = -1;
    const dispatch = async (i: number): Promise<McpResult> => {
      if (i <= last) throw new WireError(ErrorCode.InternalError, `middleware #${i - 1} called next() more than once`);
      last = i;
      const mw = chain[i];
      const result = mw ? await mw(ctx, (() => dispatch(i + 1)) as Next) : await handler(ctx);
      if (result === undefined || result === null || typeof result !== 'object') {
        const who = mw ? `middleware #${i}${mw.name ? ` (${mw.name})` : ''}` : 'handler';
        throw new WireError(ErrorCode.InternalError, `${who} returned no result; did it forget to return next()?`);
      }
      return result;
    };
    return dispatch(0);
  };
}
