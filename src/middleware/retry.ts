// Retry middleware: repeats a failed request with exponential backoff and full jitter, only when repeating it is
// harmless (reads, lists, tools annotated readOnlyHint/idempotentHint, or configured) and within a per-backend budget.
import { type CallContext, ErrorCode, isWireError, type Middleware } from '../core/index.js';
import { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
import { type CallTarget, localTarget, safeToRepeat, type TargetResolver } from './target.js';

export interface RetryOptions {
  /** Retries after the first attempt; default 2. */
  retries?: number | ((ctx: CallContext, target: CallTarget) => number);
  /** First backoff cap; each retry doubles it (full jitter: a random delay up to the cap). Default 100 ms. */
  baseDelayMs?: number;
  /** Largest backoff cap; default 2000 ms. */
  maxDelayMs?: number;
  budget?: RetryBudgetOptions;
  target?: TargetResolver;
  /** Extra calls that are safe to repeat (configured), besides reads and annotated tools. */
  alsoSafe?: (ctx: CallContext, target: CallTarget) => boolean;
  /** Which errors are worth a retry; default: unavailable and timeout (the upstream may do better next time). */
  retryable?: (err: unknown) => boolean;
  /** Source of jitter in [0, 1); injectable for tests. */
  random?: () => number;
}

const TRANSIENT = new Set<number>([ErrorCode.UpstreamUnavailable, ErrorCode.Timeout]);
export const transientError = (err: unknown): boolean => isWireError(err) && TRANSIENT.has(err.code);

/** Waits `ms`, or less if the caller gives up (then the caller's reason is thrown). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      signal.removeEventListener('abort', quit);
      resolve();
    };
    const quit = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', quit, { once: true });
  });
}

export function retry(opts: RetryOptions = {}): Middleware {
  const budget = new RetryBudget(opts.budget);
  const resolve = opts.target ?? localTarget;
  const base = opts.baseDelayMs ?? 100;
  const max = opts.maxDelayMs ?? 2000;
  const random = opts.random ?? Math.random;
  const retryable = opts.retryable ?? transientError;
  return async function retryStage(ctx, next) {
    const target = resolve(ctx);
    if (!target) return next();
    budget.request(target.key);
    // Not safe: one attempt only, since the upstream may have acted on it before the failure reached us.
    const safe = safeToRepeat(ctx, target) || opts.alsoSafe?.(ctx, target) === true;
    const retries = !safe ? 0 : typeof opts.retries === 'function' ? opts.retries(ctx, target) : (opts.retries ?? 2);
    for (let attempt = 0; ; attempt++) {
      try {
        return await next();
      } catch (err) {
        if (attempt >= retries || ctx.signal.aborted || !retryable(err) || !budget.tryRetry(target.key)) throw err;
        const cap = Math.min(max, base * 2 ** attempt);
        // The request's log names its target already.
        ctx.log.debug({ attempt: attempt + 1, ...(target.key !== 'local' && { upstream: target.key }), err: (err as Error).message }, 'retrying');
        await pause(Math.floor(random() * cap), ctx.signal);
      }
    }
  };
}
