// The SessionOwners contract against both backends: the in-process map and Redis (REDIS_URL, a key prefix of its
// own per run). A claim names its owner until it runs out or is released; only the owner releases it; claiming
// again renews it and may move it to another replica.
import { describe, expect, it } from 'vitest';
import type { SessionOwners } from '../../src/core/session-owners.js';
import { MemorySessionOwners } from '../../src/stores/memory/session-owners.js';
import { RedisSessionOwners } from '../../src/stores/redis/session-owners.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';

const redisUrl = sharedRedisUrl('SessionOwners contract: redis');
const A = 'http://10.0.0.1:7333';
const B = 'http://10.0.0.2:7333';

const backends: Array<[string, () => Promise<SessionOwners>, boolean]> = [
  ['memory', async () => new MemorySessionOwners(), false],
  [
    'redis',
    async () => {
      const owners = new RedisSessionOwners({ url: redisUrl!, keyPrefix: uniquePrefix('session-owners') });
      expect(await owners.ready()).toBe(true);
      return owners;
    },
    !redisUrl,
  ],
];

describe.each(backends)('SessionOwners: %s', (_name, make, skip) => {
  it.skipIf(skip)('names the owner of a claimed session, and nobody for another', async () => {
    const owners = await make();
    await owners.claim('s1', A, 60_000);
    expect(await owners.ownerOf('s1')).toBe(A);
    expect(await owners.ownerOf('s2')).toBeUndefined();
    await owners.close();
  });

  it.skipIf(skip)('lets only the owner release a claim', async () => {
    const owners = await make();
    await owners.claim('s1', A, 60_000);
    await owners.release('s1', B);
    expect(await owners.ownerOf('s1')).toBe(A);
    await owners.release('s1', A);
    expect(await owners.ownerOf('s1')).toBeUndefined();
    await owners.close();
  });

  it.skipIf(skip)('forgets a claim that ran out; claiming again renews it or moves it', async () => {
    const owners = await make();
    await owners.claim('short', A, 80);
    await owners.claim('renewed', A, 80);
    await owners.claim('renewed', B, 60_000);
    expect(await owners.ownerOf('renewed')).toBe(B);
    await waitUntil(async () => ((await owners.ownerOf('short')) === undefined ? true : undefined), 5000, 'the short claim to run out');
    expect(await owners.ownerOf('renewed')).toBe(B);
    await owners.close();
  });
});
