// A retry budget per backend (the Finagle/gRPC kind): retries may add at most `ratio` of the requests seen in the
// last window, plus a small floor, so retries can never multiply the load on a struggling upstream.
import { RollingCounts } from './rolling-counts.js';

export interface RetryBudgetOptions {
  /** Retries allowed per request over the window; default 0.2 (20 % extra load at most). */
  ratio?: number;
  /** Retries always allowed per second, so a quiet backend can still be retried; default 1. */
  minPerSecond?: number;
  /** The window the ratio looks at; default 10 s. */
  windowMs?: number;
}

export class RetryBudget {
  readonly #windows = new Map<string, RollingCounts<'requests' | 'retries'>>();
  readonly #ratio: number;
  readonly #floor: number;
  readonly #seconds: number;

  constructor(opts: RetryBudgetOptions = {}) {
    this.#ratio = opts.ratio ?? 0.2;
    this.#seconds = Math.max(1, Math.round((opts.windowMs ?? 10_000) / 1000));
    this.#floor = (opts.minPerSecond ?? 1) * this.#seconds;
  }

  /** Counts in one-second buckets over the window, per key. */
  #window(key: string): RollingCounts<'requests' | 'retries'> {
    let w = this.#windows.get(key);
    if (!w) {
      w = new RollingCounts(['requests', 'retries'], this.#seconds, 1000);
      this.#windows.set(key, w);
    }
    return w;
  }

  /** A first attempt toward `key`. */
  request(key: string, now = Date.now()): void {
    this.#window(key).add('requests', now);
  }

  /** Takes one retry from `key`'s budget; false when it is spent. */
  tryRetry(key: string, now = Date.now()): boolean {
    const w = this.#window(key);
    const { requests, retries } = w.totals(now);
    if (retries >= this.#floor + this.#ratio * requests) return false;
    w.add('retries', now);
    return true;
  }
}
