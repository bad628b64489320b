// Server-provided DPoP nonces (RFC 9449 §9): with them a proof is good only with a nonce this server handed out
// lately, so a proof made ahead of time (by a thief holding the key for a while) is worthless. Stateless: a nonce is
// its time window and an HMAC of it, so any replica with the same key takes it and none keeps a list. One from the
// window before is still taken (a client is not refused at the turn), and answered with the current one to use next.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DpopNonceOptions {
  /** The HMAC key: the same on every replica (a random one per process when absent). At least 32 characters. */
  key?: string;
  /** How long a nonce is handed out, in seconds (it is taken for up to twice that); default 300. */
  lifetimeSeconds?: number;
}

/** What a proof's nonce is: this window's, the one before (taken; send the current), or none of ours. */
export type NonceState = 'current' | 'previous' | 'invalid';

export class DpopNonces {
  readonly #key: Buffer;
  readonly #lifetimeMs: number;

  constructor(o: DpopNonceOptions = {}) {
    this.#key = o.key === undefined ? randomBytes(32) : Buffer.from(o.key, 'utf8');
    this.#lifetimeMs = (o.lifetimeSeconds ?? 300) * 1000;
  }

  /** The nonce to hand out now. */
  current(now = Date.now()): string {
    return this.#nonce(Math.floor(now / this.#lifetimeMs));
  }

  check(nonce: unknown, now = Date.now()): NonceState {
    if (typeof nonce !== 'string') return 'invalid';
    const window = Math.floor(now / this.#lifetimeMs);
    const given = Buffer.from(nonce);
    const is = (w: number) => {
      const expected = Buffer.from(this.#nonce(w));
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    return is(window) ? 'current' : is(window - 1) ? 'previous' : 'invalid';
  }

  #nonce(window: number): string {
    const w = window.toString(36);
    return `${w}.${createHmac('sha256', this.#key).update(`mcplex dpop nonce ${w}`).digest('base64url').slice(0, 22)}`;
  }
}
