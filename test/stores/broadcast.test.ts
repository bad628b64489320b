// The Broadcast contract against both backends: two instances on one hub (memory) and two connections to Redis
// (REDIS_URL, channels of their own per run) stand for two replicas. A message reaches every subscriber of its
// channel, the publisher's own included, and no other channel's; a stopped subscription hears nothing more; what
// one retains on a channel the other reads, and the latest entries of a channel's log. Redis alone: while the server
// is gone a publish fails, and once it is back the subscription hears again by itself and says so.
import { afterAll, describe, expect, it } from 'vitest';
import type { Broadcast } from '../../src/core/broadcast.js';
import { MemoryBroadcast } from '../../src/stores/memory/broadcast.js';
import { RedisBroadcast } from '../../src/stores/redis/broadcast.js';
import { OwnRedis, sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { onTwo } from '../helpers/two-instances.js';

const redisUrl = sharedRedisUrl('Broadcast contract: redis');

const backends: Array<[string, () => Promise<[Broadcast, Broadcast]>, boolean]> = [
  [
    'memory',
    async () => {
      const a = new MemoryBroadcast();
      return [a, new MemoryBroadcast(a.hub)];
    },
    false,
  ],
  [
    'redis',
    async () => {
      const prefix = uniquePrefix('broadcast');
      const pair: [RedisBroadcast, RedisBroadcast] = [new RedisBroadcast({ url: redisUrl!, prefix }), new RedisBroadcast({ url: redisUrl!, prefix })];
      for (const one of pair) expect(await one.ready()).toBe(true);
      return pair;
    },
    !redisUrl,
  ],
];

/** What a subscription hears, and a wait for the next message that satisfies `match`. */
function recorder() {
  const heard: string[] = [];
  return { heard, handler: (m: string) => void heard.push(m), hear: (m: string) => waitUntil(() => heard.includes(m) || undefined, 5000, `to hear ${m}`) };
}

describe.each(backends)('Broadcast: %s', (_name, make, skip) => {
  const both = onTwo(make);

  it.skipIf(skip)("reaches every subscriber of the channel, the publisher's own included, and no other channel's", both(async (a, b) => {
    const onA = recorder();
    const onB = recorder();
    const other = recorder();
    await a.subscribe('done', onA.handler);
    await b.subscribe('done', onB.handler);
    await b.subscribe('other', other.handler);
    await a.publish('done', 'one');
    await Promise.all([onA.hear('one'), onB.hear('one')]);
    await b.publish('other', 'marker');
    await other.hear('marker');
    expect(onA.heard).toEqual(['one']);
    expect(onB.heard).toEqual(['one']);
    expect(other.heard).toEqual(['marker']);
  }));

  it.skipIf(skip)('a stopped subscription hears nothing more; another on the same channel still does', both(async (a, b) => {
    const stopped = recorder();
    const kept = recorder();
    const stop = await b.subscribe('done', stopped.handler);
    await b.subscribe('done', kept.handler);
    await a.publish('done', 'first');
    await Promise.all([stopped.hear('first'), kept.hear('first')]);
    await stop();
    await a.publish('done', 'second');
    await kept.hear('second');
    expect(stopped.heard).toEqual(['first']);
  }));

  it.skipIf(skip)('a channel retains one message for instances that come later, until replaced or cleared; apart from what is published', both(async (a, b) => {
    expect(await b.retained('standing')).toBeUndefined();
    const heard = recorder();
    await b.subscribe('standing', heard.handler);
    await a.retain('standing', 'read-only');
    expect(await b.retained('standing')).toBe('read-only');
    await a.retain('standing', 'normal');
    expect(await b.retained('standing')).toBe('normal');
    expect(await b.retained('other')).toBeUndefined();
    // Retaining publishes nothing, and publishing retains nothing.
    await a.publish('standing', 'marker');
    await heard.hear('marker');
    expect(heard.heard).toEqual(['marker']);
    expect(await b.retained('standing')).toBe('normal');
    await b.retain('standing', undefined);
    expect(await a.retained('standing')).toBeUndefined();
  }));

  it.skipIf(skip)("a channel's log keeps the latest entries in order for the others to read, apart from what is retained or published", both(async (a, b) => {
    expect(await b.logged('changes')).toEqual([]);
    const heard = recorder();
    await b.subscribe('changes', heard.handler);
    for (const entry of ['one', 'two', 'three']) await a.append('changes', entry, 3);
    await b.append('changes', 'four', 3);
    expect(await a.logged('changes')).toEqual(['two', 'three', 'four']);
    expect(await b.logged('changes')).toEqual(['two', 'three', 'four']);
    expect(await b.logged('other')).toEqual([]);
    expect(await b.retained('changes')).toBeUndefined();
    await a.publish('changes', 'marker');
    await heard.hear('marker');
    expect(heard.heard).toEqual(['marker']);
    // A smaller bound trims what was kept under a larger one.
    await a.append('changes', 'five', 2);
    expect(await b.logged('changes')).toEqual(['four', 'five']);
  }));
});

describe('Broadcast: redis, when the server goes away and comes back', () => {
  let own: OwnRedis | undefined;
  afterAll(async () => own?.stop());

  it('a publish fails while it is gone; afterwards the subscription hears again without being made again, and says it resumed', async () => {
    own = await OwnRedis.start();
    const a = new RedisBroadcast({ url: own.url });
    const b = new RedisBroadcast({ url: own.url });
    for (const one of [a, b]) expect(await one.ready()).toBe(true);
    try {
      const onB = recorder();
      let resumed = 0;
      await b.subscribe('done', onB.handler, () => resumed++);
      await a.publish('done', 'before');
      await onB.hear('before');
      expect(resumed).toBe(0);
      await own.stop();
      await expect(a.publish('done', 'while gone')).rejects.toThrow();
      await own.start();
      // Told once it hears again: a message published then is heard.
      await waitUntil(() => resumed === 1 || undefined, 20_000, 'the subscription to say it resumed');
      expect(await a.ready()).toBe(true);
      await a.publish('done', 'after');
      await onB.hear('after');
      expect(onB.heard).toEqual(['before', 'after']);
      expect(resumed).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 40_000);
});
