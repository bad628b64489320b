// Rate-limits one repeated warning: the first few in each interval are logged, the rest only counted and
// summarised when the interval ends, so an upstream flooding its stdout with junk cannot flood our log.
import type { Logger } from '../core/index.js';

export interface WarningThrottleOptions {
  /** Warnings logged in full per interval. Default 5. */
  burst?: number;
  /** Length of an interval, starting at its first warning. Default 10 s. */
  intervalMs?: number;
}

export class WarningThrottle {
  readonly #burst: number;
  readonly #intervalMs: number;
  #logged = 0;
  #suppressed = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly msg: string,
    opts: WarningThrottleOptions = {},
  ) {
    this.#burst = opts.burst ?? 5;
    this.#intervalMs = opts.intervalMs ?? 10_000;
  }

  warn(obj: Record<string, unknown>): void {
    if (this.#logged < this.#burst) {
      this.#logged++;
      this.log.warn(this.#logged === this.#burst ? { ...obj, note: 'further warnings like this are counted, not logged, until the interval ends' } : obj, this.msg);
      // unref: a quiet interval must not keep the process alive for its summary.
      this.#timer ??= setTimeout(() => this.flush(), this.#intervalMs).unref();
      return;
    }
    this.#suppressed++;
  }

  /** Ends the current interval now: logs how many warnings were suppressed in it, if any. Call on close. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#suppressed > 0) this.log.warn({ suppressed: this.#suppressed, intervalMs: this.#intervalMs }, `${this.msg} (repeats suppressed)`);
    this.#logged = 0;
    this.#suppressed = 0;
  }
}
