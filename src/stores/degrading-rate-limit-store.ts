// A shared RateLimitStore (Redis) with a local one behind it: while the shared store is away, limits are kept per
// process (each replica counts on its own, so a fleet of N allows up to N times a limit) rather than failing every
// call; one warning per outage, and back to the shared store when it answers again.
import type { Logger } from '../core/logger.js';
import type { ConcurrencySlot, RateDecision, RateLimitStore, RateRule } from '../core/rate-limit-store.js';

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
    // Concurrency slots on the shared store (Redis has them), per process during an outage; only when both have them.
    const [sharedAcquire, localAcquire] = [shared.acquire?.bind(shared), local.acquire?.bind(local)];
    if (sharedAcquire && localAcquire) {
      this.acquire = (key, limit, leaseMs) => this.#use((s) => (s === local ? localAcquire : sharedAcquire)(key, limit, leaseMs));
    }
  }

  readonly acquire?: (key: string, limit: number, leaseMs: number) => Promise<ConcurrencySlot | undefined>;

  /** True while limits are kept per process. */
  get degraded(): boolean {
    return this.#degraded;
  }

  hit(key: string, rule: RateRule): Promise<RateDecision> {
    return this.#use((s) => s.hit(key, rule));
  }

  /** Runs `op` on the shared store while it answers, else on the local one. */
  async #use<T>(op: (store: RateLimitStore) => Promise<T>): Promise<T> {
    const state = this.shared.state();
    // Down, or degraded and not yet time to try again: local at once (no waiting on a dead connection).
    if (state === 'down') this.#degrade();
    if (state !== 'up' || (this.#degraded && Date.now() < this.#nextTry)) return op(this.local);
    try {
      const result = await this.#bounded(op(this.shared));
      if (this.#degraded) {
        this.#degraded = false;
        this.log.info({ store: this.#name }, `rate-limit store '${this.#name}' is back; limits are shared again`);
      }
      return result;
    } catch (err) {
      this.#degrade(err);
      return op(this.local);
    }
  }

  #bounded<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
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
