// A shared RateLimitStore (Redis) with a local one behind it: while the shared store is away, limits are kept per
// process (each replica counts on its own, so a fleet of N allows up to N times a limit) rather than failing every
// call; one warning per outage, and back to the shared store when it answers again.
import type { Logger } from '../core/logger.js';
import type { RateDecision, RateLimitStore, RateRule } from '../core/rate-limit-store.js';

/** A store that can say whether it is reachable without a round trip (RedisRateLimitStore does). */
export interface MonitoredRateLimitStore extends RateLimitStore {
  state(): 'starting' | 'up' | 'down';
}

export interface DegradingRateLimitOptions {
  /** A shared-store hit slower than this counts as a failure (the call is limited locally); default 1000 ms. */
  timeoutMs?: number;
  /** How often a degraded store tries the shared one again; default 1000 ms. */
  retryMs?: number;
  name?: string;
}

export class DegradingRateLimitStore implements RateLimitStore {
  readonly inProcess = false;
  #degraded = false;
  #nextTry = 0;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #name: string;

  constructor(
    readonly shared: MonitoredRateLimitStore,
    readonly local: RateLimitStore,
    private readonly log: Logger,
    opts: DegradingRateLimitOptions = {},
  ) {
    this.#timeoutMs = opts.timeoutMs ?? 1000;
    this.#retryMs = opts.retryMs ?? 1000;
    this.#name = opts.name ?? 'redis';
  }

  /** True while limits are kept per process. */
  get degraded(): boolean {
    return this.#degraded;
  }

  async hit(key: string, rule: RateRule): Promise<RateDecision> {
    const state = this.shared.state();
    // Down, or degraded and not yet time to try again: local at once (no waiting on a dead connection).
    if (state === 'down') this.#degrade();
    if (state !== 'up' || (this.#degraded && Date.now() < this.#nextTry)) return this.local.hit(key, rule);
    try {
      const decision = await this.#shared(key, rule);
      if (this.#degraded) {
        this.#degraded = false;
        this.log.info({ store: this.#name }, `rate-limit store '${this.#name}' is back; limits are shared again`);
      }
      return decision;
    } catch (err) {
      this.#degrade(err);
      return this.local.hit(key, rule);
    }
  }

  #shared(key: string, rule: RateRule): Promise<RateDecision> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    return Promise.race([this.shared.hit(key, rule), late]).finally(() => clearTimeout(timer));
  }

  #degrade(err?: unknown): void {
    this.#nextTry = Date.now() + this.#retryMs;
    if (this.#degraded) return;
    this.#degraded = true;
    const problem = err === undefined ? 'disconnected' : String((err as Error)?.message ?? err);
    this.log.warn({ store: this.#name, problem }, `rate-limit store '${this.#name}' unavailable; limiting per process until it returns`);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.shared.close(), this.local.close()]);
  }
}
