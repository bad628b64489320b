// The ReplicaDirectory contract against its backends: this process's memory, and Redis (REDIS_URL, a key prefix of
// its own per run) read through two instances, as two replicas do.
import { describe, expect, it } from 'vitest';
import type { ReplicaDirectory } from '../../src/core/replica-directory.js';
import { MemoryReplicaDirectory } from '../../src/stores/memory/replica-directory.js';
import { RedisReplicaDirectory } from '../../src/stores/redis/replica-directory.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { onTwo } from '../helpers/two-instances.js';

const redisUrl = sharedRedisUrl('ReplicaDirectory contract: redis');

const backends: Array<[string, () => Promise<[ReplicaDirectory, ReplicaDirectory]>, boolean]> = [
  ['memory (one directory)', async () => { const d = new MemoryReplicaDirectory(); return [d, d]; }, false],
  ['redis', async () => {
    const keyPrefix = uniquePrefix('replicas');
    const two: [RedisReplicaDirectory, RedisReplicaDirectory] = [new RedisReplicaDirectory({ url: redisUrl!, keyPrefix }), new RedisReplicaDirectory({ url: redisUrl!, keyPrefix })];
    await Promise.all(two.map((d) => d.ready()));
    return two;
  }, !redisUrl],
];

const sorted = (l: Array<{ id: string; report: Record<string, unknown> }>) => [...l].sort((x, y) => x.id.localeCompare(y.id));

describe.each(backends)('ReplicaDirectory: %s', (_name, make, skip) => {
  it.skipIf(skip)('lists every replica announced, as it reported itself, until it leaves or stops announcing', onTwo(make)(async (a, b) => {
    expect(await a.list()).toEqual([]);
    await a.announce('one', { ready: true, upstreams: { notes: 'up' } }, 60_000);
    await b.announce('two', { ready: false }, 60_000);
    const both = [{ id: 'one', report: { ready: true, upstreams: { notes: 'up' } } }, { id: 'two', report: { ready: false } }];
    expect(sorted(await a.list())).toEqual(both);
    expect(sorted(await b.list())).toEqual(both);
    // Announced again: the newer report.
    await b.announce('two', { ready: true }, 60_000);
    expect((await a.list()).find((r) => r.id === 'two')?.report).toEqual({ ready: true });
    await a.leave('one');
    expect(await b.list()).toEqual([{ id: 'two', report: { ready: true } }]);
    // One that stops announcing drops out after its TTL.
    await a.announce('three', {}, 80);
    await waitUntil(async () => !(await b.list()).some((r) => r.id === 'three'), 5000, 'the silent replica to drop out');
    expect((await b.list()).map((r) => r.id)).toEqual(['two']);
  }));
});
