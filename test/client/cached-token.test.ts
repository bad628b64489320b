// CachedToken: one fetch however many wait, reused while fresh, refreshed ahead of expiry, dropped on invalidate.
import { afterEach, expect, it, vi } from 'vitest';
import { CachedToken } from '../../src/client/cached-token.js';

afterEach(() => vi.useRealTimers());

function counting(lifetimeMs: number) {
  let n = 0;
  const fetchToken = vi.fn(async () => ({ accessToken: `t${++n}`, expiresAt: Date.now() + lifetimeMs }));
  return { cache: new CachedToken(fetchToken), fetchToken };
}

it('shares one fetch among concurrent callers and reuses the token while fresh', async () => {
  const { cache, fetchToken } = counting(60_000);
  expect(await Promise.all([cache.get(), cache.get(), cache.get()])).toEqual(['t1', 't1', 't1']);
  expect(await cache.get()).toBe('t1');
  expect(fetchToken).toHaveBeenCalledTimes(1);
});

it('refreshes a fifth of the lifetime ahead for short tokens, a minute ahead for long ones', async () => {
  vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
  const short = counting(10_000);
  expect(await short.cache.get()).toBe('t1');
  vi.setSystemTime(1_000_000 + 7_900);
  expect(await short.cache.get()).toBe('t1');
  vi.setSystemTime(1_000_000 + 8_001);
  expect(await short.cache.get()).toBe('t2');

  vi.setSystemTime(2_000_000);
  const long = counting(3_600_000);
  expect(await long.cache.get()).toBe('t1');
  vi.setSystemTime(2_000_000 + 3_600_000 - 60_001);
  expect(await long.cache.get()).toBe('t1');
  vi.setSystemTime(2_000_000 + 3_600_000 - 59_999);
  expect(await long.cache.get()).toBe('t2');
});

it('fetches again after invalidate(), and a failed fetch is not cached', async () => {
  const { cache, fetchToken } = counting(60_000);
  expect(await cache.get()).toBe('t1');
  cache.invalidate();
  expect(await cache.get()).toBe('t2');
  fetchToken.mockRejectedValueOnce(new Error('token endpoint down'));
  cache.invalidate();
  await expect(cache.get()).rejects.toThrow('token endpoint down');
  expect(await cache.get()).toBe('t3');
});
