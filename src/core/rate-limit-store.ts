// The state behind rate limits, quotas and "max calls per window": one GCRA cell per key. Middleware depends on
// this interface only; backends live in src/stores/ (memory by default, Redis so replicas share one limit).

/** A sustained rate of `limit` per `windowMs`, with bursts of up to `burst` (default: `limit`) at once. */
export interface RateRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly burst?: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** Calls still allowed right now (0 when refused). */
  readonly remaining: number;
  /** When refused: how long until the next call would be allowed (0 when allowed). */
  readonly retryAfterMs: number;
}

/** A slot of a concurrency limit, held while a call runs. */
export interface ConcurrencySlot {
  /** Gives the slot back (at most once; a lost release is made good by the slot's lease running out). */
  release(): void;
}

/** A slot whose `release` runs `giveBack` the first time only. */
export function concurrencySlot(giveBack: () => void): ConcurrencySlot {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      giveBack();
    },
  };
}

export interface RateLimitStore {
  /** Counts one call against `key` under `rule`, atomically: a refused call is not counted. */
  hit(key: string, rule: RateRule): Promise<RateDecision>;
  /**
   * Takes one of `limit` slots of `key`, or undefined when all are taken. A slot not released within `leaseMs`
   * (its holder crashed) is freed by itself. Stores without it count concurrency in the middleware's own process.
   */
  acquire?(key: string, limit: number, leaseMs: number): Promise<ConcurrencySlot | undefined>;
  /** Releases connections (Redis); the store is unusable afterwards. */
  close(): Promise<void>;
  /** True for an in-process store; any other is I/O, and a hit gets a span of its own when tracing is on. */
  readonly inProcess?: boolean;
}

/** GCRA's two numbers for a rule: the emission interval and the burst tolerance (both in ms). */
export function gcraParams(rule: RateRule): { interval: number; tolerance: number } {
  const interval = rule.windowMs / rule.limit;
  return { interval, tolerance: interval * (Math.max(1, rule.burst ?? rule.limit) - 1) };
}

/**
 * One GCRA step: given the stored theoretical arrival time (`tat`, or undefined for a fresh key) and `now`, the
 * decision and the new tat to store (undefined when refused). The Redis script is the same arithmetic in Lua.
 */
export function gcraStep(tat: number | undefined, now: number, rule: RateRule): { decision: RateDecision; tat?: number } {
  const { interval, tolerance } = gcraParams(rule);
  const base = Math.max(tat ?? now, now);
  const allowAt = base - tolerance;
  if (now < allowAt) return { decision: { allowed: false, remaining: 0, retryAfterMs: Math.ceil(allowAt - now) } };
  const next = base + interval;
  const remaining = Math.max(0, Math.floor((tolerance + interval - (next - now)) / interval));
  return { decision: { allowed: true, remaining, retryAfterMs: 0 }, tat: next };
}
