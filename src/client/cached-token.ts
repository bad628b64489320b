// A token kept until shortly before it expires, then fetched again: one fetch at a time however many requests
// wait for it, and dropped at once when the upstream answers 401 (revoked early, or the clock lied).
import type { IssuedToken } from './oauth-token.js';

/** Refresh this long before expiry (a fifth of the lifetime for short-lived tokens), so a request never leaves with a token about to lapse. */
const REFRESH_AHEAD_MS = 60_000;

export class CachedToken {
  #current: (IssuedToken & { refreshAt: number }) | undefined;
  #pending: Promise<IssuedToken> | undefined;

  constructor(private readonly fetchToken: () => Promise<IssuedToken>) {}

  /** Whether get() answers from the cache (no request to the token endpoint). */
  get fresh(): boolean {
    return this.#current !== undefined && Date.now() < this.#current.refreshAt;
  }

  /** The cached token while it is fresh, else a new one. */
  async get(): Promise<string> {
    const current = this.#current;
    if (current && Date.now() < current.refreshAt) return current.accessToken;
    this.#pending ??= this.fetchToken().finally(() => {
      this.#pending = undefined;
    });
    const asked = Date.now();
    const next = await this.#pending;
    this.#current = { ...next, refreshAt: next.expiresAt - Math.min(REFRESH_AHEAD_MS, (next.expiresAt - asked) / 5) };
    return next.accessToken;
  }

  /** Forget the token (the upstream refused it). */
  invalidate(): void {
    this.#current = undefined;
  }
}

