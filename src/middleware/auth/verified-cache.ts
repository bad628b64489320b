// Credentials verified recently, so a caller's every request does not pay again for its API key's hash or its
// JWT's signature check (an RS256 verification costs tens of µs per request). Only successes are kept, each for
// at most `maxAgeMs` and never past a token's own expiry; refusals are always decided afresh.
import { LRUCache } from 'lru-cache';
import type { AuthOutcome } from './types.js';

export interface VerifiedCacheOptions {
  /** Most credentials remembered; default 10 000. */
  max?: number;
  /** Longest a verification is reused (a key removed from the JWKS keeps working at most this long); default 60 s. */
  maxAgeMs?: number;
  now?: () => number;
}

type Accepted = Extract<AuthOutcome, { principal: unknown }>;

export class VerifiedCache {
  readonly #entries: LRUCache<string, { outcome: Accepted; until: number }>;
  readonly #maxAge: number;
  readonly #now: () => number;

  constructor(opts: VerifiedCacheOptions = {}) {
    this.#entries = new LRUCache({ max: opts.max ?? 10_000 });
    this.#maxAge = opts.maxAgeMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
  }

  /** Whether `credential` was verified recently (its success would be reused now). */
  has(credential: string): boolean {
    const hit = this.#entries.get(credential);
    return hit !== undefined && hit.until > this.#now();
  }

  /** The outcome `verify` gives `credential`, reusing a recent success. */
  async verified(credential: string, verify: () => AuthOutcome | Promise<AuthOutcome>): Promise<AuthOutcome> {
    const now = this.#now();
    const hit = this.#entries.get(credential);
    if (hit && hit.until > now) return hit.outcome;
    const outcome = await verify();
    if ('principal' in outcome) {
      // A JWT's `exp` (seconds) bounds its entry; API keys have none.
      const exp = outcome.principal.claims?.exp;
      const until = Math.min(now + this.#maxAge, typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY);
      if (until > now) this.#entries.set(credential, { outcome, until });
    }
    return outcome;
  }
}
