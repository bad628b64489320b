// The restart delay function, deterministically: random is injected, so growth, cap and jitter bounds
// are exact numbers rather than statistical claims.
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffOptions } from '../../src/client/backoff.js';

const mid = () => 0.5; // jitter term cancels out
const low = () => 0;
const high = () => 0.999_999;

describe('backoffDelay', () => {
  it('grows by factor from the initial delay and caps at the maximum', () => {
    const opts = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2 };
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, opts, mid))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoffDelay(10_000, opts, mid)).toBe(30_000); // no overflow to Infinity/NaN
  });

  it('spreads each delay by ±jitter', () => {
    const opts = { initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2, jitter: 0.2 };
    expect(backoffDelay(0, opts, low)).toBe(800);
    expect(backoffDelay(0, opts, high)).toBe(1200);
    expect(backoffDelay(2, opts, low)).toBe(3200);
    expect(backoffDelay(2, opts, () => 0.25)).toBe(3600);
    expect(backoffDelay(0, { ...opts, jitter: 0 }, high)).toBe(1000);
  });

  it('never exceeds the cap, even with upward jitter', () => {
    const opts = { initialDelayMs: 500, maxDelayMs: 2000, factor: 2, jitter: 0.5 };
    expect(backoffDelay(9, opts, high)).toBe(2000);
    expect(backoffDelay(9, opts, low)).toBe(1000);
  });

  it('uses the documented defaults and clamps nonsense options', () => {
    expect(backoffOptions()).toEqual({ initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2 });
    expect(backoffOptions({ initialDelayMs: -5, factor: 0.5, jitter: 3, maxDelayMs: -1 })).toEqual({ initialDelayMs: 0, maxDelayMs: 0, factor: 1, jitter: 1 });
    expect(backoffDelay(0, {}, mid)).toBe(500);
  });
});
