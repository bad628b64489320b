// Timeout middleware: bounds each request (per backend and per tool, as the caller configures), lets progress
// extend it up to a hard maximum, and cancels the work below through the request's Deadline (core/deadline.ts).
import { type CallContext, DEADLINE, type Deadline, ErrorCode, LazyAbort, type Middleware, WireError } from '../core/index.js';

export interface TimeoutOptions {
  /** The inactivity bound for this request in ms (undefined: no bound from this middleware). */
  timeoutMs: (ctx: CallContext) => number | undefined;
  /** The hard bound, progress or not; default 10 × timeoutMs (what the SDK does). */
  maxTotalMs?: (ctx: CallContext, timeoutMs: number) => number;
  /** Who failed to answer, for the error message; default the target in quotes (`'search'`). */
  who?: (ctx: CallContext) => string;
}

/**
 * The caller's abort passed on to the deadline. Not a closure inside startDeadline, whose context holds the expiry
 * promise the request races: the caller's signal would keep all of it alive (see RawLane's #abortListener).
 */
function following(cancel: LazyAbort, caller: AbortSignal): () => void {
  return () => cancel.abort(caller.reason);
}

/** A class, not an object literal with a getter (V8 makes those dictionary-mode objects, see call-context.ts). */
class StageDeadline implements Deadline {
  active: number;
  constructor(
    readonly cancel: LazyAbort,
    readonly timeoutMs: number,
    readonly maxTotalMs: number,
    started: number,
  ) {
    this.active = started;
  }

  /** Made only when read: the raw stdio lane listens to `cancel` instead. */
  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  extend(): void {
    this.active = Date.now();
  }
}

/**
 * A running deadline on one timer: extend() only notes the time (progress can be frequent), and the timer, when it
 * fires, re-arms itself for whatever time the last progress left, never past the hard bound. Its cancellation
 * also follows the caller's (one listener, where `AbortSignal.any` per call cost more than the rest of the stage).
 */
function startDeadline(who: string, timeoutMs: number, maxTotalMs: number, caller: AbortSignal) {
  const cancel = new LazyAbort();
  const started = Date.now();
  const deadline = new StageDeadline(cancel, timeoutMs, maxTotalMs, started);
  let timer: NodeJS.Timeout;
  let timedOut = false;
  let reject: (reason: unknown) => void = () => {};
  /** Rejects when the time is up (not when the caller gives up: the work below then ends as it ends). */
  const expired = new Promise<never>((_, r) => {
    reject = r;
  });
  expired.catch(() => {});
  const check = () => {
    const now = Date.now();
    const idleEnd = deadline.active + timeoutMs;
    const hardEnd = started + maxTotalMs;
    if (now < Math.min(idleEnd, hardEnd)) {
      timer = setTimeout(check, Math.min(idleEnd, hardEnd) - now);
      return;
    }
    const hard = hardEnd <= idleEnd;
    const message = hard ? `${who} did not finish within its maximum of ${maxTotalMs} ms` : `${who} did not answer within ${timeoutMs} ms`;
    const reason = new WireError(ErrorCode.Timeout, message, { timeoutMs: hard ? maxTotalMs : timeoutMs });
    timedOut = true;
    cancel.abort(reason);
    reject(reason);
  };
  const follow = following(cancel, caller);
  caller.addEventListener('abort', follow, { once: true });
  timer = setTimeout(check, Math.min(timeoutMs, maxTotalMs));
  return {
    deadline,
    expired,
    timedOut: () => timedOut,
    stop() {
      clearTimeout(timer);
      caller.removeEventListener('abort', follow);
    },
  };
}

export function timeout(opts: TimeoutOptions): Middleware {
  return async function timeoutStage(ctx, next) {
    const ms = opts.timeoutMs(ctx);
    if (ms === undefined || ctx.signal.aborted) return next();
    const who = opts.who?.(ctx) ?? `'${ctx.target ?? ctx.method}'`;
    const running = startDeadline(who, ms, Math.max(ms, opts.maxTotalMs?.(ctx, ms) ?? 10 * ms), ctx.signal);
    ctx.state.set(DEADLINE, running.deadline);
    // The terminal cancels its own work on the deadline's signal; the race makes sure the caller hears at the
    // deadline even from a terminal that ignores it.
    try {
      return await Promise.race([next(), running.expired]);
    } catch (err) {
      throw running.timedOut() ? running.deadline.cancel.reason : err;
    } finally {
      running.stop();
    }
  };
}
