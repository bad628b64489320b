// The ReplayGuard contract against its backends: this process's memory, and Redis (REDIS_URL, a key prefix of its own
// per run) shared by two instances as by two replicas; with Redis away, a replica remembers on its own and says so.
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplayGuard } from '../../src/core/replay-guard.js';
import { MemoryReplayGuard } from '../../src/stores/memory/replay-guard.js';
import { RedisReplayGuard } from '../../src/stores/redis/replay-guard.js';
import { capturingLogger } from '../helpers/logger.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { TcpLink } from '../helpers/tcp-link.js';
import { onTwo } from '../helpers/two-instances.js';

const redisUrl = sharedRedisUrl('ReplayGuard contract: redis');

const backends: Array<[string, () => Promise<[ReplayGuard, ReplayGuard]>, boolean]> = [
  ['memory (one guard)', async () => { const guard = new MemoryReplayGuard(); return [guard, guard]; }, false],
  ['redis', async () => { const keyPrefix = uniquePrefix('once'); return [new RedisReplayGuard({ url: redisUrl!, keyPrefix }), new RedisReplayGuard({ url: redisUrl!, keyPrefix })]; }, !redisUrl],
];

describe.each(backends)('ReplayGuard: %s', (_name, make, skip) => {
  it.skipIf(skip)('is first once per key, on either instance, until its TTL runs out', onTwo(make)(async (a, b) => {
    if (a instanceof RedisReplayGuard) await a.ready();
    if (b instanceof RedisReplayGuard) await b.ready();
    expect(await a.first('proof-1', 60_000)).toBe(true);
    expect(await a.first('proof-1', 60_000)).toBe(false);
    expect(await b.first('proof-1', 60_000)).toBe(false);
    expect(await b.first('proof-2', 60_000)).toBe(true);
    // Made at once on both: one of them is first.
    const made = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).first('proof-3', 60_000)));
    expect(made.filter(Boolean)).toHaveLength(1);
    expect(await a.first('short', 80)).toBe(true);
    await waitUntil(() => b.first('short', 60_000), 5000, 'the short one to run out');
  }));
});

describe.skipIf(!redisUrl)('RedisReplayGuard with Redis away', () => {
  const links: TcpLink[] = [];
  afterAll(async () => {
    for (const link of links) await link.close();
  });

  it('remembers on its own meanwhile (saying so once), and shares again once Redis is back', async () => {
    const { link, via } = await TcpLink.toUrl(redisUrl!, 6379);
    links.push(link);
    const keyPrefix = uniquePrefix('once-away');
    const log = capturingLogger();
    const apart = new RedisReplayGuard({ url: via, keyPrefix, commandTimeoutMs: 300 }, log);
    const other = new RedisReplayGuard({ url: redisUrl!, keyPrefix });
    try {
      expect(await apart.ready()).toBe(true);
      await other.ready();
      link.cut();
      expect(await apart.first('seen-while-away', 60_000)).toBe(true);
      expect(await apart.first('seen-while-away', 60_000)).toBe(false);
      expect(await apart.first('another', 60_000)).toBe(true);
      expect(log.entries.filter((e) => e.msg?.startsWith('replay guard: Redis is away'))).toHaveLength(1);
      link.restore();
      await waitUntil(async () => (await apart.ready(100)) || undefined, 10_000, 'Redis reachable again');
      expect(await apart.first('after', 60_000)).toBe(true);
      expect(await other.first('after', 60_000)).toBe(false);
      // What it saw alone it still refuses.
      expect(await apart.first('seen-while-away', 60_000)).toBe(false);
      expect(log.entries.some((e) => e.msg?.startsWith('replay guard: Redis answers again'))).toBe(true);
    } finally {
      await Promise.all([apart.close(), other.close()]);
    }
  });
});
