// Timeout middleware: bounds each request (per backend and per tool, as the caller configures), lets progress
// extend it up to a hard maximum, and cancels the work below through the request's Deadline (core/deadline.ts).
import { type CallContext, DEADLINE, type Deadline, ErrorCode, LazyAbort, type McpResult, type Middleware, WireError } from '../core/index.js';

export interface TimeoutOptions {
  /** The inactivity bound for this request in ms (undefined: no bound from this middleware). */
  timeoutMs: (ctx: CallContext) => number | undefined;
  /** The hard bound, progress or not; default 10 × timeoutMs (what the SDK does). */
  maxTotalMs?: (ctx: CallContext, timeoutMs: number) => number;
  /** Who failed to answer, for the error message; default the target in quotes (`'search'`). */
  who?: (ctx: CallContext) => string;
}

/**
 * The caller's abort passed on to the deadline. Not a closure in a scope that holds the request's promise: the
 * caller's signal would keep all of it alive (see RawLane's #abortListener).
 */
function following(cancel: LazyAbort, caller: AbortSignal): () => void {
  return () => cancel.abort(caller.reason);
}

/**
 * A running deadline on one timer, and the request's answer raced against it. extend() only notes the time (progress
 * can be frequent); the timer, when it fires, re-arms itself for whatever time the last progress left, never past the
 * hard bound. Its cancellation also follows the caller's (one listener, where `AbortSignal.any` per call cost more
 * than the rest of the stage). A class, not an object literal with a getter (V8 makes those dictionary-mode objects,
 * see call-context.ts), and one promise per request rather than a race of two.
 */
class StageDeadline implements Deadline {
  readonly cancel = new LazyAbort();
  active: number;
  readonly #who: string;
  readonly #started: number;
  readonly #caller: AbortSignal;
  readonly #follow: () => void;
  #timer: NodeJS.Timeout | undefined;
  #fail: ((reason: unknown) => void) | undefined;

  constructor(
    who: string,
    readonly timeoutMs: number,
    readonly maxTotalMs: number,
    caller: AbortSignal,
  ) {
    this.#who = who;
    this.active = this.#started = Date.now();
    this.#caller = caller;
    this.#follow = following(this.cancel, caller);
    caller.addEventListener('abort', this.#follow, { once: true });
  }

  /** Made only when read: the raw stdio lane listens to `cancel` instead. */
  get signal(): AbortSignal {
    return this.cancel.signal;
  }

  extend(): void {
    this.active = Date.now();
  }

  /** The answer of `work`, or a Timeout error when the time is up first (the work below then ends as it ends). */
  race(work: Promise<McpResult>): Promise<McpResult> {
    return new Promise<McpResult>((resolve, reject) => {
      this.#fail = reject;
      this.#timer = setTimeout(this.#check, Math.min(this.timeoutMs, this.maxTotalMs));
      work.then(
        (result) => {
          this.#stop();
          resolve(result);
        },
        (err) => {
          this.#stop();
          reject(err);
        },
      );
    });
  }

  readonly #check = (): void => {
    const now = Date.now();
    const idleEnd = this.active + this.timeoutMs;
    const hardEnd = this.#started + this.maxTotalMs;
    if (now < Math.min(idleEnd, hardEnd)) {
      this.#timer = setTimeout(this.#check, Math.min(idleEnd, hardEnd) - now);
      return;
    }
    const hard = hardEnd <= idleEnd;
    const message = hard ? `${this.#who} did not finish within its maximum of ${this.maxTotalMs} ms` : `${this.#who} did not answer within ${this.timeoutMs} ms`;
    const reason = new WireError(ErrorCode.Timeout, message, { timeoutMs: hard ? this.maxTotalMs : this.timeoutMs });
    this.cancel.abort(reason);
    this.#stop();
    this.#fail?.(reason);
  };

  #stop(): void {
    clearTimeout(this.#timer);
    this.#caller.removeEventListener('abort', this.#follow);
  }
}

export function timeout(opts: TimeoutOptions): Middleware {
  return function timeoutStage(ctx, next) {
    const ms = opts.timeoutMs(ctx);
    if (ms === undefined || ctx.signal.aborted) return next();
    const who = opts.who?.(ctx) ?? `'${ctx.target ?? ctx.method}'`;
    const deadline = new StageDeadline(who, ms, Math.max(ms, opts.maxTotalMs?.(ctx, ms) ?? 10 * ms), ctx.signal);
    ctx.state.set(DEADLINE, deadline);
    // The terminal cancels its own work on the deadline; the race makes sure the caller hears at the deadline even
    // from a terminal that ignores it.
    return deadline.race(next());
  };
}
