// Periodic liveness probe of one upstream: `ping` on 2025-era connections, `server/discover` on 2026-era ones.
// After `failures` probes in a row go unanswered the connection is restarted, so a wedged server is noticed.
import type { Upstream } from './upstream.js';

export interface HeartbeatOptions {
  /** Time between probes; default 5 s. */
  intervalMs?: number;
  /** Probes in a row that must fail before the upstream is restarted; default 3. */
  failures?: number;
  /** How long one probe may take; default the interval (at most 5 s). */
  timeoutMs?: number;
}

export interface HeartbeatStatus {
  /** Probes failed in a row (0 when the last one answered). */
  failing: number;
  lastError?: string;
  /** Round trip of the last answered probe. */
  lastRttMs?: number;
}

export class Heartbeat {
  #timer: NodeJS.Timeout | undefined;
  #failing = 0;
  #lastError: string | undefined;
  #lastRtt: number | undefined;
  #busy = false;
  readonly #interval: number;
  readonly #failures: number;
  readonly #timeout: number;

  constructor(
    private readonly upstream: Upstream,
    opts: HeartbeatOptions = {},
  ) {
    this.#interval = opts.intervalMs ?? 5000;
    this.#failures = opts.failures ?? 3;
    this.#timeout = opts.timeoutMs ?? Math.min(this.#interval, 5000);
  }

  start(): this {
    this.stop();
    this.#timer = setInterval(() => void this.probe(), this.#interval);
    this.#timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  status(): HeartbeatStatus {
    return { failing: this.#failing, ...(this.#lastError && { lastError: this.#lastError }), ...(this.#lastRtt !== undefined && { lastRttMs: this.#lastRtt }) };
  }

  /** One probe; a down upstream is the supervisor's business, not counted here. */
  async probe(): Promise<void> {
    const client = this.upstream.client;
    if (this.#busy || !client) return;
    this.#busy = true;
    const started = Date.now();
    try {
      const method = client.getProtocolEra() === 'modern' ? 'server/discover' : 'ping';
      await this.upstream.request(method, undefined, { signal: AbortSignal.timeout(this.#timeout), timeoutMs: this.#timeout });
      this.#failing = 0;
      this.#lastError = undefined;
      this.#lastRtt = Date.now() - started;
    } catch (err) {
      // The connection went away under the probe: the supervisor handles that.
      if (!this.upstream.up) return;
      this.#failing++;
      this.#lastError = err instanceof Error ? err.message : String(err);
      if (this.#failing >= this.#failures) {
        const reason = `${this.upstream.name}: no answer to ${this.#failing} health checks in a row (${this.#lastError})`;
        this.#failing = 0;
        await this.upstream.restart(reason);
      }
    } finally {
      this.#busy = false;
    }
  }
}
