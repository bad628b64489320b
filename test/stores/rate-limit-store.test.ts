// The RateLimitStore contract, run unchanged against every backend: the in-process store and Redis (real, via
// REDIS_URL). GCRA: a burst up to the limit, then refusals with a retry-after hint, recovery, independent keys.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { RateLimitStore } from '../../src/core/rate-limit-store.js';
import { MemoryRateLimitStore } from '../../src/stores/memory/rate-limit.js';
import { RedisRateLimitStore } from '../../src/stores/redis/rate-limit.js';
import { waitUntil } from '../helpers/process.js';
import { deletePrefix, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('rate-limit-contract');
const backends: Array<{ name: string; make: () => RateLimitStore }> = [{ name: 'memory', make: () => new MemoryRateLimitStore() }];
if (redisAvailable()) backends.push({ name: 'redis', make: () => new RedisRateLimitStore({ url: REDIS_URL!, prefix }) });

afterAll(() => deletePrefix(prefix));

describe.each(backends)('RateLimitStore contract: $name', ({ make }) => {
  const stores: RateLimitStore[] = [];
  const store = () => {
    const s = make();
    stores.push(s);
    return s;
  };
  afterAll(() => Promise.all(stores.map((s) => s.close())));
  let n = 0;
  const key = () => `k${++n}-${Math.random().toString(36).slice(2)}`;

  it('allows a burst of `limit` calls, counting down remaining, then refuses with a retry-after hint', async () => {
    const s = store();
    const k = key();
    const rule = { limit: 3, windowMs: 60_000 };
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await s.hit(k, rule));
    expect(seen.map((d) => d.allowed)).toEqual([true, true, true]);
    expect(seen.map((d) => d.remaining)).toEqual([2, 1, 0]);
    const refused = await s.hit(k, rule);
    expect(refused.allowed).toBe(false);
    expect(refused.remaining).toBe(0);
    // One call's worth of the window is 20 s; the hint says how long until the next one fits.
    expect(refused.retryAfterMs).toBeGreaterThan(15_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(20_000);
  });

  it('does not count refused calls: the hint does not grow while a caller keeps hammering', async () => {
    const s = store();
    const k = key();
    const rule = { limit: 1, windowMs: 60_000 };
    expect((await s.hit(k, rule)).allowed).toBe(true);
    const first = await s.hit(k, rule);
    for (let i = 0; i < 5; i++) await s.hit(k, rule);
    const later = await s.hit(k, rule);
    expect(later.allowed).toBe(false);
    expect(later.retryAfterMs).toBeLessThanOrEqual(first.retryAfterMs);
  });

  it('recovers once the hinted time has passed', async () => {
    const s = store();
    const k = key();
    const rule = { limit: 2, windowMs: 300 };
    await s.hit(k, rule);
    await s.hit(k, rule);
    const refused = await s.hit(k, rule);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(150);
    const recovered = await waitUntil(async () => ((await s.hit(k, rule)).allowed ? true : undefined), 5_000, 'the limit to let a call through again');
    expect(recovered).toBe(true);
  });

  it('keeps keys independent', async () => {
    const s = store();
    const [a, b] = [key(), key()];
    const rule = { limit: 1, windowMs: 60_000 };
    expect((await s.hit(a, rule)).allowed).toBe(true);
    expect((await s.hit(a, rule)).allowed).toBe(false);
    expect((await s.hit(b, rule)).allowed).toBe(true);
  });

  it('honours a burst smaller than the limit', async () => {
    const s = store();
    const k = key();
    const rule = { limit: 10, windowMs: 60_000, burst: 2 };
    expect((await s.hit(k, rule)).allowed).toBe(true);
    expect((await s.hit(k, rule)).allowed).toBe(true);
    expect((await s.hit(k, rule)).allowed).toBe(false);
  });

  it('shares one limit between two store instances on the same backend (replicas)', async () => {
    const [s1, s2] = [store(), store()];
    const k = key();
    const rule = { limit: 2, windowMs: 60_000 };
    const shared = s1 instanceof RedisRateLimitStore;
    expect((await s1.hit(k, rule)).allowed).toBe(true);
    expect((await s2.hit(k, rule)).allowed).toBe(true);
    expect((await s1.hit(k, rule)).allowed).toBe(!shared);
  });

  it('hands out at most `limit` concurrency slots; a released one can be taken again, once', async () => {
    const s = store();
    const k = key();
    const a = await s.acquire!(k, 2, 60_000);
    const b = await s.acquire!(k, 2, 60_000);
    expect(a && b).toBeTruthy();
    expect(await s.acquire!(k, 2, 60_000)).toBeUndefined();
    expect(await s.acquire!(key(), 2, 60_000)).toBeDefined(); // keys are independent
    a!.release();
    a!.release(); // twice is once
    await waitUntil(async () => {
      const c = await s.acquire!(k, 2, 60_000);
      return c ? true : undefined;
    }, 5_000, 'the released slot');
    expect(await s.acquire!(k, 2, 60_000)).toBeUndefined();
  });

  it('takes exactly `limit` slots of many parallel asks, and replicas on a shared backend share them', async () => {
    const [s1, s2] = [store(), store()];
    const k = key();
    const slots = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? s1 : s2).acquire!(k, 3, 60_000)));
    const shared = s1 instanceof RedisRateLimitStore;
    expect(slots.filter(Boolean)).toHaveLength(shared ? 3 : 6);
  });

  it('is atomic under concurrent hits: exactly `limit` of many parallel calls pass', async () => {
    const s = store();
    const k = key();
    const rule = { limit: 5, windowMs: 60_000 };
    const results = await Promise.all(Array.from({ length: 20 }, () => s.hit(k, rule)));
    expect(results.filter((d) => d.allowed)).toHaveLength(5);
  });
});

describe.skipIf(!redisAvailable())('RedisRateLimitStore concurrency slots', () => {
  it('frees a slot whose holder crashed without giving it back once its lease has run out', async () => {
    const [holder, other] = [new RedisRateLimitStore({ url: REDIS_URL!, prefix }), new RedisRateLimitStore({ url: REDIS_URL!, prefix })];
    try {
      const k = `lease-${Math.random().toString(36).slice(2)}`;
      expect(await holder.acquire(k, 1, 300)).toBeDefined();
      await holder.close(); // never released and no longer renewed: its holder "crashed"
      expect(await other.acquire(k, 1, 300)).toBeUndefined();
      expect(await waitUntil(async () => ((await other.acquire(k, 1, 300)) ? true : undefined), 5_000, 'the lease to run out')).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('keeps a slot whose call outlasts its lease while the holder lives (renewed), and frees it on release', async () => {
    const [holder, other] = [new RedisRateLimitStore({ url: REDIS_URL!, prefix }), new RedisRateLimitStore({ url: REDIS_URL!, prefix })];
    const redis = new Redis(REDIS_URL!);
    try {
      const k = `renew-${Math.random().toString(36).slice(2)}`;
      const slot = await holder.acquire(k, 1, 300);
      expect(slot).toBeDefined();
      // The lease's end as Redis keeps it, until it lies more than three leases past the first one: renewed each time.
      const leaseEnd = async () => Number((await redis.zrange(`${prefix}slots:${k}`, '0', '-1', 'WITHSCORES'))[1]);
      const first = await leaseEnd();
      await waitUntil(async () => ((await leaseEnd()) > first + 900 ? true : undefined), 5_000, 'three renewals');
      expect(await other.acquire(k, 1, 300)).toBeUndefined(); // far past its first lease, still held
      slot!.release();
      expect(await waitUntil(async () => ((await other.acquire(k, 1, 300)) ? true : undefined), 5_000, 'the released slot')).toBe(true);
    } finally {
      redis.disconnect();
      await Promise.all([holder.close(), other.close()]);
    }
  });
});
