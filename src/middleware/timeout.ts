// Timeout middleware: bounds each request (per backend and per tool, as the caller configures), lets progress
// extend it up to a hard maximum, and cancels the work below through the request's Deadline (core/deadline.ts).
import { type CallContext, DEADLINE, type Deadline, ErrorCode, type Middleware, WireError } from '../core/index.js';

export interface TimeoutOptions {
  /** The inactivity bound for this request in ms (undefined: no bound from this middleware). */
  timeoutMs: (ctx: CallContext) => number | undefined;
  /** The hard bound, progress or not; default 10 × timeoutMs (what the SDK does). */
  maxTotalMs?: (ctx: CallContext, timeoutMs: number) => number;
}

/** A running deadline: one timer, restarted by extend() while the hard bound allows. */
function startDeadline(ctx: CallContext, timeoutMs: number, maxTotalMs: number): Deadline & { stop(): void } {
  const controller = new AbortController();
  const started = Date.now();
  const what = ctx.target ?? ctx.method;
  const expire = (ms: number, hard: boolean) => {
    const message = hard ? `'${what}' did not finish within its maximum of ${ms} ms` : `'${what}' did not answer within ${ms} ms`;
    controller.abort(new WireError(ErrorCode.Timeout, message, { timeoutMs: ms }));
  };
  let timer = setTimeout(() => expire(timeoutMs, false), Math.min(timeoutMs, maxTotalMs));
  const hard = setTimeout(() => expire(maxTotalMs, true), maxTotalMs);
  return {
    signal: controller.signal,
    timeoutMs,
    maxTotalMs,
    extend() {
      if (controller.signal.aborted) return;
      clearTimeout(timer);
      const left = maxTotalMs - (Date.now() - started);
      if (left > timeoutMs) timer = setTimeout(() => expire(timeoutMs, false), timeoutMs);
    },
    stop() {
      clearTimeout(timer);
      clearTimeout(hard);
    },
  };
}

export function timeout(opts: TimeoutOptions): Middleware {
  return async function timeoutStage(ctx, next) {
    const ms = opts.timeoutMs(ctx);
    if (ms === undefined || ctx.signal.aborted) return next();
    const deadline = startDeadline(ctx, ms, Math.max(ms, opts.maxTotalMs?.(ctx, ms) ?? 10 * ms));
    ctx.state.set(DEADLINE, deadline);
    // The terminal cancels its own work on the deadline's signal; the race makes sure the caller hears at the
    // deadline even from a terminal that ignores it.
    let onAbort = () => {};
    const expired = new Promise<never>((_, reject) => {
      onAbort = () => reject(deadline.signal.reason);
      deadline.signal.addEventListener('abort', onAbort, { once: true });
    });
    expired.catch(() => {});
    try {
      return await Promise.race([next(), expired]);
    } catch (err) {
      throw deadline.signal.aborted ? deadline.signal.reason : err;
    } finally {
      deadline.stop();
      deadline.signal.removeEventListener('abort', onAbort);
    }
  };
}
