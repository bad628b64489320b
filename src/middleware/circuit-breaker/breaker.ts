// One circuit breaker's state machine: closed → open (after N consecutive failures, or an error rate over a window)
// → half-open (after openMs, a limited number of probe calls) → closed on a probe's success, open again on its failure.
import { RollingCounts } from '../rolling-counts.js';

/** The error-rate window is counted in this many buckets (its outcomes are forgotten a twentieth at a time). */
const BUCKETS = 20;

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit; default 5. */
  failures?: number;
  /** Failure ratio over `windowMs` that opens the circuit (with at least `minRequests` calls); default off. */
  errorRate?: number;
  minRequests?: number;
  windowMs?: number;
  /** How long the circuit stays open before a probe may pass; default 10 s. */
  openMs?: number;
  /** Calls allowed through at once while half-open; default 1. */
  halfOpenProbes?: number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** While open: when a probe will be let through (ms from now). */
  retryAfterMs?: number;
  opens: number;
}

export class Breaker {
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #probes = 0;
  #opens = 0;
  readonly #outcomes: RollingCounts<'calls' | 'failed'>;
  readonly #o: Required<BreakerOptions>;

  constructor(
    opts: BreakerOptions = {},
    private readonly onChange: (state: BreakerState) => void = () => {},
  ) {
    this.#o = { failures: 5, errorRate: 1.01, minRequests: 20, windowMs: 30_000, openMs: 10_000, halfOpenProbes: 1, ...opts };
    this.#outcomes = new RollingCounts(['calls', 'failed'], BUCKETS, Math.max(1, Math.ceil(this.#o.windowMs / BUCKETS)));
  }

  /** May a call go through now? Claims a probe slot when half-open (give it back with success()/failure()). */
  admit(now = Date.now()): boolean {
    if (this.#state === 'open' && now - this.#openedAt >= this.#o.openMs) this.#set('half-open');
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' || this.#probes >= this.#o.halfOpenProbes) return false;
    this.#probes++;
    return true;
  }

  success(now = Date.now()): void {
    this.#consecutive = 0;
    this.#record(false, now);
    if (this.#state === 'half-open') {
      this.#probes = Math.max(0, this.#probes - 1);
      this.#outcomes.clear();
      this.#set('closed');
    }
  }

  failure(now = Date.now()): void {
    this.#consecutive++;
    this.#record(true, now);
    if (this.#state === 'half-open') {
      this.#probes = Math.max(0, this.#probes - 1);
      this.#open(now);
      return;
    }
    if (this.#state !== 'closed') return;
    const { calls, failed } = this.#outcomes.totals(now);
    const rateTripped = calls >= this.#o.minRequests && failed / calls >= this.#o.errorRate;
    if (this.#consecutive >= this.#o.failures || rateTripped) this.#open(now);
  }

  /** A call admitted as a probe ended without saying anything about the upstream (e.g. the caller cancelled). */
  release(): void {
    if (this.#state === 'half-open') this.#probes = Math.max(0, this.#probes - 1);
  }

  snapshot(now = Date.now()): BreakerSnapshot {
    if (this.#state === 'open' && now - this.#openedAt >= this.#o.openMs) this.#set('half-open');
    return {
      state: this.#state,
      consecutiveFailures: this.#consecutive,
      ...(this.#state === 'open' && { retryAfterMs: Math.max(0, this.#o.openMs - (now - this.#openedAt)) }),
      opens: this.#opens,
    };
  }

  #open(now: number): void {
    this.#openedAt = now;
    this.#opens++;
    this.#set('open');
  }

  #record(failed: boolean, now: number): void {
    this.#outcomes.add('calls', now);
    if (failed) this.#outcomes.add('failed', now);
  }

  #set(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.onChange(state);
  }
}
