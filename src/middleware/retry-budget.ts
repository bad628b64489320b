// A retry budget per backend (the Finagle/gRPC kind): retries may add at most `ratio` of the requests seen in the
// last window, plus a small floor, so retries can never multiply the load on a struggling upstream.

export interface RetryBudgetOptions {
  /** Retries allowed per request over the window; default 0.2 (20 % extra load at most). */
  ratio?: number;
  /** Retries always allowed per second, so a quiet backend can still be retried; default 1. */
  minPerSecond?: number;
  /** The window the ratio looks at; default 10 s. */
  windowMs?: number;
}

/** Counts in one-second buckets over the window, per key. */
class Window {
  readonly #buckets: { second: number; requests: number; retries: number }[] = [];
  constructor(private readonly seconds: number) {}

  #bucket(now: number) {
    const second = Math.floor(now / 1000);
    while (this.#buckets.length > 0 && this.#buckets[0]!.second <= second - this.seconds) this.#buckets.shift();
    let last = this.#buckets.at(-1);
    if (last?.second !== second) {
      last = { second, requests: 0, retries: 0 };
      this.#buckets.push(last);
    }
    return last;
  }
  add(kind: 'requests' | 'retries', now: number): void {
    this.#bucket(now)[kind]++;
  }
  totals(now: number): { requests: number; retries: number } {
    this.#bucket(now);
    return this.#buckets.reduce((t, b) => ({ requests: t.requests + b.requests, retries: t.retries + b.retries }), { requests: 0, retries: 0 });
  }
}

export class RetryBudget {
  readonly #windows = new Map<string, Window>();
  readonly #ratio: number;
  readonly #floor: number;
  readonly #seconds: number;

  constructor(opts: RetryBudgetOptions = {}) {
    this.#ratio = opts.ratio ?? 0.2;
    this.#seconds = Math.max(1, Math.round((opts.windowMs ?? 10_000) / 1000));
    this.#floor = (opts.minPerSecond ?? 1) * this.#seconds;
  }

  #window(key: string): Window {
    let w = this.#windows.get(key);
    if (!w) {
      w = new Window(this.#seconds);
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
