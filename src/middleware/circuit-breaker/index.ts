// Circuit breaker middleware: one Breaker per backend; an open circuit fails fast with a retryable
// UpstreamUnavailable error carrying data.retryAfterMs, and can hide or mark the backend's tools in tools/list.
import { type CallContext, ErrorCode, isWireError, LATER_OUTCOME, type McpResult, type Middleware, WireError } from '../../core/index.js';
import { type CallTarget, localTarget, type TargetResolver } from '../target.js';
import { Breaker, type BreakerOptions, type BreakerSnapshot, type BreakerState } from './breaker.js';

export type { BreakerOptions, BreakerSnapshot, BreakerState } from './breaker.js';
export { Breaker } from './breaker.js';

export interface CircuitBreakerOptions extends BreakerOptions {
  target?: TargetResolver;
  /** Per-backend overrides of the thresholds. */
  perKey?: (key: string) => BreakerOptions | undefined;
  /** Errors that count against the backend; default: unavailable, timeout, bad reply, internal error (breakerFailure). */
  isFailure?: (err: unknown, key: string) => boolean;
  /** What tools/list shows of a backend whose circuit is open: 'show' (default), 'hide' or 'mark' (`_meta`). */
  whenOpen?: 'show' | 'hide' | 'mark';
  /** For whenOpen: the backend serving an exposed tool name. */
  toolOwner?: (name: string) => string | undefined;
  /** Told on every state change (logs, metrics, list_changed). */
  onChange?: (key: string, state: BreakerState) => void;
}

const FAILURES = new Set<number>([ErrorCode.UpstreamUnavailable, ErrorCode.Timeout, ErrorCode.UpstreamBadReply, ErrorCode.InternalError]);
export const breakerFailure = (err: unknown): boolean => isWireError(err) && FAILURES.has(err.code);
export const UNAVAILABLE_META = 'mcplex/unavailable';

/** The breakers of one pipeline, readable by health and metrics. */
export class Breakers {
  readonly #map = new Map<string, Breaker>();
  /** Per open circuit: the timer that makes it half-open on time (see get()). */
  readonly #reopen = new Map<string, NodeJS.Timeout>();
  constructor(private readonly opts: CircuitBreakerOptions) {}

  get(key: string): Breaker {
    let b = this.#map.get(key);
    if (!b) {
      const options = { ...this.opts, ...this.opts.perKey?.(key) };
      const breaker = new Breaker(options, (state) => {
        clearTimeout(this.#reopen.get(key));
        this.#reopen.delete(key);
        // A circuit goes half-open when a call or a reader looks at it after openMs. Looked at when that time comes,
        // so onChange hears of it then: a client told the tools were hidden (list_changed) hears they are back.
        if (state === 'open') this.#reopen.set(key, setTimeout(() => breaker.snapshot(), (options.openMs ?? 10_000) + 5).unref());
        this.opts.onChange?.(key, state);
      });
      b = breaker;
      this.#map.set(key, b);
    }
    return b;
  }
  /** State of `key`'s circuit ('closed' for a backend never called). */
  snapshot(key: string): BreakerSnapshot {
    return this.#map.get(key)?.snapshot() ?? { state: 'closed', consecutiveFailures: 0, opens: 0 };
  }
  isOpen(key: string): boolean {
    return this.#map.get(key)?.snapshot().state === 'open';
  }
  /** Forget every breaker (config reload with new thresholds). */
  reset(): void {
    for (const timer of this.#reopen.values()) clearTimeout(timer);
    this.#reopen.clear();
    this.#map.clear();
  }
}

function openError(target: CallTarget, snap: BreakerSnapshot): WireError {
  const retryAfterMs = snap.retryAfterMs ?? 0;
  return new WireError(
    ErrorCode.UpstreamUnavailable,
    `Server '${target.key}' is failing (circuit open after ${snap.consecutiveFailures} failures); try again in ${Math.ceil(retryAfterMs / 1000)} s`,
    { retryAfterMs, circuit: 'open' },
  );
}

/** Hides or marks the tools of open circuits in a tools/list result. */
function listed(result: McpResult, breakers: Breakers, opts: CircuitBreakerOptions): McpResult {
  if (!Array.isArray(result.tools) || !opts.toolOwner) return result;
  const open = (t: Record<string, unknown>) => {
    const owner = opts.toolOwner!(String(t.name));
    return owner !== undefined && breakers.isOpen(owner);
  };
  const tools = result.tools as Record<string, unknown>[];
  if (opts.whenOpen === 'hide') return { ...result, tools: tools.filter((t) => !open(t)) };
  return { ...result, tools: tools.map((t) => (open(t) ? { ...t, _meta: { ...(t._meta as object | undefined), [UNAVAILABLE_META]: true } } : t)) };
}

export function circuitBreaker(opts: CircuitBreakerOptions = {}, breakers = new Breakers(opts)): Middleware & { breakers: Breakers } {
  const resolve = opts.target ?? localTarget;
  const isFailure = opts.isFailure ?? breakerFailure;
  const failed = (breaker: Breaker, err: unknown, key: string, stopped: boolean) => {
    // The caller giving up says nothing about the upstream.
    if (stopped) breaker.release();
    else if (isFailure(err, key)) breaker.failure();
    else breaker.success();
  };
  const stage = async function circuitBreakerStage(ctx: CallContext, next: () => Promise<McpResult>): Promise<McpResult> {
    if (ctx.method === 'tools/list' && opts.whenOpen !== undefined && opts.whenOpen !== 'show') return listed(await next(), breakers, opts);
    const target = resolve(ctx);
    if (!target) return next();
    const breaker = breakers.get(target.key);
    if (!breaker.admit()) throw openError(target, breaker.snapshot());
    try {
      const result = await next();
      // A call that became a task counts when its work ends (a half-open probe stays taken until then).
      const later = ctx.state.get(LATER_OUTCOME);
      if (later) later.outcome.then(() => breaker.success(), (err: unknown) => failed(breaker, err, target.key, later.signal.aborted));
      else breaker.success();
      return result;
    } catch (err) {
      failed(breaker, err, target.key, ctx.signal.aborted);
      throw err;
    }
  };
  return Object.assign(stage, { breakers });
}
