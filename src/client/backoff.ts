// Restart delays for supervised upstreams: exponential growth, capped, with jitter so that many servers
// failing together (network blip, shared dependency) do not all come back in lock-step.

export interface BackoffOptions {
  /** Delay before the first retry. Default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound of any delay, jitter included. Default 30 s. */
  maxDelayMs?: number;
  /** Growth per consecutive failure. Default 2. */
  factor?: number;
  /** Fraction of the delay randomised either way: 0.2 → ±20 %. Default 0.2. */
  jitter?: number;
}

const BACKOFF_DEFAULTS: Readonly<Required<BackoffOptions>> = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.2,
});

/** Fills in defaults and clamps nonsense (negative delays, factor below 1, jitter outside 0..1). */
export function backoffOptions(opts: BackoffOptions = {}): Required<BackoffOptions> {
  const initialDelayMs = Math.max(0, opts.initialDelayMs ?? BACKOFF_DEFAULTS.initialDelayMs);
  return {
    initialDelayMs,
    maxDelayMs: Math.max(initialDelayMs, opts.maxDelayMs ?? BACKOFF_DEFAULTS.maxDelayMs),
    factor: Math.max(1, opts.factor ?? BACKOFF_DEFAULTS.factor),
    jitter: Math.min(1, Math.max(0, opts.jitter ?? BACKOFF_DEFAULTS.jitter)),
  };
}

/**
 * Delay before retry number `attempt` (0 = first retry after a failure):
 * `min(max, initial · factor^attempt)`, then spread by ±jitter and clamped to [0, max] so the cap is a
 * real cap. `random` is injectable (returns [0, 1)) so tests are deterministic.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const o = backoffOptions(opts);
  // Exponent clamped: factor^attempt overflows to Infinity long before attempt counts get silly.
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** Math.min(Math.max(0, attempt), 64));
  const spread = base * o.jitter;
  const jittered = base - spread + 2 * spread * random();
  return Math.round(Math.min(o.maxDelayMs, Math.max(0, jittered)));
}
