// A bound on refused credentials per client address. Each refused credential (an unknown key, a bad or expired
// token, a failed proof) counts against its address, as rate limits count (GCRA: `limit` per `windowMs`, in bursts
// of up to `limit`); past the bound, that address's credentials are refused 429 without being checked, unless the
// same credential was verified recently (callers sharing the address behind a NAT keep working). So a flood of
// made-up tokens cannot make the gateway ask the introspection endpoint, or check signatures, more than the bound.
// IPv6 addresses count by their /64 (one host may hold all of it). Each process counts; given a shared store (Redis,
// with the gateway's `cluster:`), replicas also count together, and a replica the shared count finds over the bound
// stops checking that address too, after at most one more refusal of its own.
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../core/index.js';
import { gcraStep, type RateLimitStore, type RateRule } from '../../core/rate-limit-store.js';
import { addressKey } from '../../middleware/address-key.js';
import type { AuthOutcome, AuthRefusal, AuthRequest, Authenticator } from '../../middleware/auth/index.js';
import { rateLimited } from '../../middleware/rate-limited.js';

export const DEFAULT_REFUSAL_LIMIT: RateRule = { limit: 100, windowMs: 60_000 };

/** Refusals that count: credentials checked and found wrong (not a missing one, a step-up, or a DPoP nonce asked for). */
const COUNTED: ReadonlySet<AuthRefusal['error']> = new Set(['invalid_token', 'invalid_request', 'invalid_dpop_proof']);

/**
 * `request` authenticated, unless its client `address` is over `limit`'s bound and its credential was not verified
 * recently (then `throttled`: ms until it may be checked again); a refusal of a credential found wrong is counted.
 */
export async function boundedAuthenticate(a: Authenticator, request: AuthRequest, address: string | undefined, limit: RefusalLimit | undefined): Promise<AuthOutcome | { throttled: number }> {
  const bound = address !== undefined ? limit : undefined;
  const wait = bound?.waitFor(address!) ?? 0;
  if (wait > 0 && a.recentlyVerified?.(request) !== true) return { throttled: wait };
  const outcome = await a.authenticate(request);
  // Counted before the refusal is answered (with a shared store, once the replicas' count has it).
  if ('refusal' in outcome && COUNTED.has(outcome.refusal.error)) await bound?.refused(address!);
  return outcome;
}

/** The error a 429 of the bound is told as (metrics' `error` label). */
export const TOO_MANY_REFUSALS = 'too_many_refusals';

/** The 429 answer for an address over the bound: a JSON-RPC RateLimited error and its Retry-After (seconds). */
export function throttledAnswer(retryAfterMs: number): { body: unknown; retryAfter: string } {
  const err = rateLimited('Too many refused credentials from this address', retryAfterMs, 'refusals');
  const data = err.data as { retryAfter: number };
  return { body: { jsonrpc: '2.0', id: null, error: { code: err.code, message: err.message, data } }, retryAfter: String(data.retryAfter) };
}

/** The warning logged when an address reaches the bound (at most once per window per address). */
export const refusalWarning =
  (log: Logger) =>
  (key: string, rule: RateRule): void =>
    log.warn({ client: key, limit: rule.limit, windowMs: rule.windowMs }, 'too many refused credentials from one client address: its credentials not verified recently are answered 429 until it slows down');

interface Cell {
  /** GCRA's theoretical arrival time. */
  tat: number;
  /** When the bound last began refusing this address (a warning is logged once per window). */
  warnedAt?: number;
}

export class RefusalLimit {
  readonly #cells: LRUCache<string, Cell>;
  /** Until when the shared count holds an address over the bound, by address key. */
  readonly #sharedUntil: LRUCache<string, number>;

  constructor(
    readonly rule: RateRule = DEFAULT_REFUSAL_LIMIT,
    private readonly onLimited?: (key: string, rule: RateRule) => void,
    private readonly now: () => number = Date.now,
    maxKeys = 100_000,
    /** Where replicas count together (Redis); absent: this process alone. */
    private readonly shared?: RateLimitStore,
  ) {
    this.#cells = new LRUCache({ max: maxKeys });
    this.#sharedUntil = new LRUCache({ max: maxKeys });
  }

  /** How long (ms) until `address` may have an unverified credential checked again; 0 when it may now. */
  waitFor(address: string): number {
    const key = addressKey(address);
    const cell = this.#cells.get(key);
    const local = cell ? gcraStep(cell.tat, this.now(), this.rule).decision.retryAfterMs : 0;
    const until = this.shared ? this.#sharedUntil.get(key) : undefined;
    return until === undefined ? local : Math.max(local, until - this.now());
  }

  /** Counts one refused credential of `address` (here, and in the shared store when there is one: resolved once it answered). */
  refused(address: string): Promise<void> {
    const key = addressKey(address);
    const now = this.now();
    const cell = this.#cells.get(key);
    const { decision, tat } = gcraStep(cell?.tat, now, this.rule);
    if (tat !== undefined) {
      const next: Cell = { tat, ...(cell?.warnedAt !== undefined && { warnedAt: cell.warnedAt }) };
      this.#cells.set(key, next);
      if (decision.remaining === 0) this.#warn(key, now);
    }
    if (!this.shared) return Promise.resolve();
    // A store that fails leaves the local count alone (the gateway's degrades to memory by itself).
    return this.shared.hit(key, this.rule).then(
      (d) => {
        if (d.allowed && d.remaining > 0) return;
        const at = this.now();
        if (!d.allowed) this.#sharedUntil.set(key, at + d.retryAfterMs);
        this.#warn(key, at);
      },
      () => {},
    );
  }

  /** Logs the address once per window as it reaches the bound. */
  #warn(key: string, now: number): void {
    const cell = this.#cells.get(key);
    if (cell?.warnedAt !== undefined && now - cell.warnedAt < this.rule.windowMs) return;
    this.#cells.set(key, { tat: cell?.tat ?? now, warnedAt: now });
    this.onLimited?.(key, this.rule);
  }
}
