// Redis configured and then gone: the cache keeps working on the local store with ONE warning, and goes back to
// Redis when it returns. Runs its own redis-server on an ephemeral port, SIGKILLed and restarted by PID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose } from '../../src/core/index.js';
import { cache } from '../../src/middleware/cache.js';
import { DegradingCacheStore } from '../../src/stores/degrading-cache-store.js';
import { MemoryCacheStore } from '../../src/stores/memory/memory-cache-store.js';
import { RedisCacheStore } from '../../src/stores/redis/redis-cache-store.js';
import { makeCtx } from '../core/helpers.js';
import { capturingLogger } from '../helpers/logger.js';
import { OwnRedis } from '../helpers/own-redis.js';
import { killStarted, waitUntil } from '../helpers/process.js';

let redis: OwnRedis;
let shared: RedisCacheStore;
let store: DegradingCacheStore;
const log = capturingLogger();
const warnings = () => log.entries.filter((e) => e.level === 'warn');

beforeAll(async () => {
  redis = await OwnRedis.start();
  shared = new RedisCacheStore({ url: redis.url, keyPrefix: 'degrade:' });
  await shared.ready();
  store = new DegradingCacheStore(shared, new MemoryCacheStore(), log);
});
afterAll(async () => {
  await store?.close();
  await redis?.stop();
  killStarted();
});

describe('DegradingCacheStore with a Redis that goes away and comes back', () => {
  let calls = 0;
  const mw = () => cache({ store, readOnly: () => true });
  const run = (m: ReturnType<typeof mw>) =>
    compose([m], async () => {
      calls++;
      return { content: [{ type: 'text', text: `call ${calls}` }] };
    });
  const ctx = (args: unknown) => makeCtx({ method: 'tools/call', target: 't', params: { name: 't', arguments: args } });

  it('uses Redis while it is up', async () => {
    await store.set('k', 'v', { ttlMs: 60_000 });
    expect(await shared.redis.get('degrade:k:k')).toBe('v');
    expect(store.degraded).toBe(false);
  });

  it('degrades to local with one warning, and keeps caching', async () => {
    await redis.stop();
    await waitUntil(() => shared.state() === 'down', 10_000, 'the client to notice Redis is gone');
    const m = mw();
    const exec = run(m);
    const before = calls;
    for (let i = 0; i < 20; i++) await exec(ctx({ i: i % 2 }));
    expect(calls - before).toBe(2);
    expect(m.stats().hits).toBe(18);
    expect(store.degraded).toBe(true);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.msg).toMatch(/cache store 'redis' unavailable; caching locally/);
    // Invalidation still works locally while Redis is away.
    await m.invalidate({ all: true });
    await exec(ctx({ i: 0 }));
    expect(calls - before).toBe(3);
  });

  it('goes back to Redis when it returns (and says so once)', async () => {
    await redis.start();
    await waitUntil(async () => {
      await store.get('probe');
      return !store.degraded;
    }, 15_000, 'the store to use Redis again');
    expect(log.entries.filter((e) => e.level === 'info' && /is back/.test(e.msg ?? ''))).toHaveLength(1);
    await store.set('after', 'v2', { ttlMs: 60_000 });
    expect(await shared.redis.get('degrade:k:after')).toBe('v2');
    expect(warnings()).toHaveLength(1);
  });

  it('warns again, once, on a second outage', async () => {
    await redis.stop();
    await waitUntil(() => shared.state() === 'down', 10_000, 'the client to notice Redis is gone again');
    for (let i = 0; i < 5; i++) await store.get(`x${i}`);
    expect(warnings()).toHaveLength(2);
  });
});

/** A "shared" store over a memory one, up or down as `state` says. */
const sharedOver = (inner: MemoryCacheStore, state: () => 'up' | 'down') => ({
  state,
  get: (k: string) => inner.get(k),
  set: (k: string, v: string, o: { ttlMs: number; tags?: readonly string[] }) => inner.set(k, v, o),
  delete: (k: string) => inner.delete(k),
  deletePrefix: (p: string) => inner.deletePrefix(p),
  deleteTag: (t: string) => inner.deleteTag(t),
});

describe('DegradingCacheStore recovery after a missed invalidation', () => {
  it('drops what the shared store holds when an invalidation happened while it was away', async () => {
    let state: 'up' | 'down' = 'up';
    const inner = new MemoryCacheStore();
    const fakeShared = sharedOver(inner, () => state);
    const quiet = capturingLogger();
    const s = new DegradingCacheStore(fakeShared, new MemoryCacheStore(), quiet);
    await s.set('a', 'shared value', { ttlMs: 60_000, tags: ['server:x'] });
    state = 'down';
    await s.deleteTag('server:x'); // reaches only the local store
    expect(await inner.get('a')).toBe('shared value');
    state = 'up';
    await waitUntil(async () => {
      await s.get('a');
      return !s.degraded;
    }, 5000, 'recovery');
    expect(await inner.get('a')).toBeUndefined();
    expect(await s.get('a')).toBeUndefined();
  });

  it('clears only the prefix invalidations can reach (the cache keys, not the fallbacks beside them)', async () => {
    let state: 'up' | 'down' = 'up';
    const inner = new MemoryCacheStore();
    const fakeShared = sharedOver(inner, () => state);
    const s = new DegradingCacheStore(fakeShared, new MemoryCacheStore(), capturingLogger(), 'redis', 'cache:');
    await s.set('cache:a', 'cached', { ttlMs: 60_000, tags: ['server:x'] });
    await s.set('fallback:a', 'last good', { ttlMs: 60_000 });
    state = 'down';
    await s.deleteTag('server:x');
    state = 'up';
    await waitUntil(async () => {
      await s.get('cache:a');
      return !s.degraded;
    }, 5000, 'recovery');
    expect(await inner.get('cache:a')).toBeUndefined();
    expect(await inner.get('fallback:a')).toBe('last good');
  });
});

describe('DegradingCacheStore with a Redis that hangs (SIGSTOP) while connected', () => {
  it('degrades with one warning however many calls time out, and recovers after SIGCONT', async () => {
    const own = await OwnRedis.start();
    const hungLog = capturingLogger();
    const redisStore = new RedisCacheStore({ url: own.url, keyPrefix: 'hang:', commandTimeoutMs: 200 });
    const s = new DegradingCacheStore(redisStore, new MemoryCacheStore(), hungLog);
    try {
      await redisStore.ready();
      process.kill(own.pid!, 'SIGSTOP');
      for (let i = 0; i < 5; i++) {
        await s.set(`k${i}`, 'v', { ttlMs: 60_000 });
        expect(await s.get(`k${i}`)).toBe('v');
      }
      expect(s.degraded).toBe(true);
      expect(hungLog.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
      process.kill(own.pid!, 'SIGCONT');
      await waitUntil(async () => {
        await s.get('probe');
        return !s.degraded;
      }, 15_000, 'recovery after SIGCONT');
      expect(hungLog.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
    } finally {
      process.kill(own.pid!, 'SIGCONT');
      await s.close();
      await own.stop();
    }
  });
});

describe('DegradingCacheStore when Redis is down from the start', () => {
  it('caches locally with one warning, and takes Redis up when it appears', async () => {
    const own = await OwnRedis.start();
    await own.stop(); // a port where nothing listens (yet)
    const startLog = capturingLogger();
    const redisStore = new RedisCacheStore({ url: own.url, keyPrefix: 'late:' });
    const s = new DegradingCacheStore(redisStore, new MemoryCacheStore(), startLog);
    try {
      await waitUntil(() => redisStore.state() === 'down', 10_000, 'the first connection attempt to fail');
      for (let i = 0; i < 5; i++) await s.set('k', `v${i}`, { ttlMs: 60_000 });
      expect(await s.get('k')).toBe('v4');
      expect(startLog.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
      await own.start();
      await waitUntil(async () => {
        await s.get('probe');
        return !s.degraded;
      }, 15_000, 'Redis to be used once it is there');
      await s.set('k', 'shared', { ttlMs: 60_000 });
      expect(await redisStore.redis.get('late:k:k')).toBe('shared');
    } finally {
      await s.close();
      await own.stop();
    }
  });
});
