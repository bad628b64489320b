// Runs the CacheStore contract against every backend: the memory LRU (fake clock) and Redis (REDIS_URL, a key
// prefix of its own per run), plus what only the memory store promises: its entry and byte bounds.
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/stores/memory/memory-cache-store.js';
import { RedisCacheStore } from '../../src/stores/redis/redis-cache-store.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { cacheStoreContract } from './cache-store.contract.js';

cacheStoreContract('memory', async () => {
  let now = 1_000_000;
  const store = new MemoryCacheStore({ now: () => now });
  return {
    store,
    elapse: async (ms) => {
      now += ms;
    },
    cleanup: async () => {},
  };
});

const redisUrl = sharedRedisUrl('CacheStore contract: redis');
cacheStoreContract(
  'redis',
  async () => {
    const prefix = uniquePrefix('cache-contract');
    const store = new RedisCacheStore({ url: redisUrl!, keyPrefix: prefix });
    await store.ready();
    return {
      store,
      elapse: (ms) => new Promise((r) => setTimeout(r, ms)),
      cleanup: async () => {
        // Values and tag sets alike: nothing of this run stays in the shared Redis.
        const keys = await store.redis.keys(`${prefix}*`);
        if (keys.length > 0) await store.redis.del(...keys);
        await store.close();
      },
    };
  },
  { skip: !redisUrl },
);

describe('MemoryCacheStore bounds', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = new MemoryCacheStore({ maxEntries: 2 });
    await store.set('a', '1', { ttlMs: 60_000 });
    await store.set('b', '2', { ttlMs: 60_000 });
    expect(await store.get('a')).toBe('1'); // a is now the most recent
    await store.set('c', '3', { ttlMs: 60_000 });
    expect([await store.get('a'), await store.get('b'), await store.get('c')]).toEqual(['1', undefined, '3']);
  });

  it('stays within maxBytes, and never stores an entry larger than the whole budget', async () => {
    const store = new MemoryCacheStore({ maxBytes: 1000 });
    for (let i = 0; i < 20; i++) await store.set(`k${i}`, 'x'.repeat(100), { ttlMs: 60_000 });
    expect(store.bytes).toBeLessThanOrEqual(1000);
    expect(await store.get('k19')).toBe('x'.repeat(100));
    expect(await store.get('k0')).toBeUndefined();
    await store.set('huge', 'x'.repeat(600), { ttlMs: 60_000 });
    expect(await store.get('huge')).toBeUndefined();
  });

  it('forgets the tags of evicted entries', async () => {
    const store = new MemoryCacheStore({ maxEntries: 1 });
    await store.set('a', '1', { ttlMs: 60_000, tags: ['t'] });
    await store.set('b', '2', { ttlMs: 60_000, tags: ['u'] });
    expect(await store.deleteTag('t')).toBe(0);
    expect(await store.get('b')).toBe('2');
  });
});
