// Koa/Hono-style onion over Middleware, with guards against the two classic mistakes:
// calling next() twice, and forgetting to return a result.
import type { CallContext, McpResult, Middleware, Next } from './context.js';
import { ErrorCode, WireError } from './errors.js';

export type Handler = (ctx: CallContext) => Promise<McpResult>;

type Step = 'pending' | 'done' | 'failed';

/**
 * Runs `middlewares` in order around `handler`. The returned function rejects on any guard violation. A middleware
 * may call next() again only after its previous next() rejected (a retry): the rest of the chain then runs afresh.
 */
export function compose(middlewares: readonly Middleware[], handler: Handler): Handler {
  const chain = [...middlewares];
  return function run(ctx: CallContext): Promise<McpResult> {
    const steps: Step[] = [];
    const dispatch = async (i: number): Promise<McpResult> => {
      const step = steps[i];
      if (step === 'pending' || step === 'done') throw new WireError(ErrorCode.InternalError, `middleware #${i - 1} called next() more than once`);
      // A retry: the deeper stages run again from scratch.
      steps.length = i;
      steps[i] = 'pending';
      try {
        const mw = chain[i];
        const result = mw ? await mw(ctx, (() => dispatch(i + 1)) as Next) : await handler(ctx);
        if (result === undefined || result === null || typeof result !== 'object') {
          const who = mw ? `middleware #${i}${mw.name ? ` (${mw.name})` : ''}` : 'handler';
          throw new WireError(ErrorCode.InternalError, `${who} returned no result; did it forget to return next()?`);
        }
        steps[i] = 'done';
        return result;
      } catch (err) {
        steps[i] = 'failed';
        throw err;
      }
    };
    return dispatch(0);
  };
}
