// The SettledTasks contract against both backends: the in-process map and Redis (REDIS_URL, a key prefix of its own
// per run). A record kept is found as it was kept, by any instance on the same store, until its ttlMs from creation
// has passed; an unknown id finds nothing; a record that a task runs never replaces one already kept.
import { describe, expect, it } from 'vitest';
import type { SettledTask, SettledTasks } from '../../src/core/settled-tasks.js';
import { MemorySettledTasks } from '../../src/stores/memory/settled-tasks.js';
import { RedisSettledTasks } from '../../src/stores/redis/settled-tasks.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { onTwo } from '../helpers/two-instances.js';

const redisUrl = sharedRedisUrl('SettledTasks contract: redis');

const backends: Array<[string, () => Promise<[SettledTasks, SettledTasks]>, boolean]> = [
  [
    'memory',
    async () => {
      const one = new MemorySettledTasks();
      return [one, one];
    },
    false,
  ],
  [
    'redis',
    async () => {
      const keyPrefix = uniquePrefix('settled-tasks');
      const pair: [RedisSettledTasks, RedisSettledTasks] = [new RedisSettledTasks({ url: redisUrl!, keyPrefix }), new RedisSettledTasks({ url: redisUrl!, keyPrefix })];
      for (const one of pair) expect(await one.ready()).toBe(true);
      return pair;
    },
    !redisUrl,
  ],
];

const completed = (taskId: string, ttlMs = 60_000): SettledTask => ({
  taskId,
  owner: '["acme","alice","apiKey"]',
  status: 'completed',
  createdAt: Date.now(),
  lastUpdatedAt: Date.now(),
  ttlMs,
  pollIntervalMs: 1000,
  result: { content: [{ type: 'text', text: 'done' }] },
});

describe.each(backends)('SettledTasks: %s', (_name, make, skip) => {
  const both = onTwo(make);

  it.skipIf(skip)('finds a kept record as it was kept, from another instance too; nothing for an unknown id', both(async (a, b) => {
    const task = completed('t1');
    await a.keep(task);
    await a.keep({ ...completed('t2'), status: 'cancelled', statusMessage: 'The replica running this task stopped', result: undefined } as SettledTask);
    expect(await b.find('t1')).toEqual(task);
    expect(await b.find('t2')).toMatchObject({ status: 'cancelled', statusMessage: 'The replica running this task stopped' });
    expect(await b.find('nobody')).toBeUndefined();
  }));

  it.skipIf(skip)('keepUnlessKept keeps a record where none is, and never replaces one (an end kept first stays)', both(async (a, b) => {
    const running = { ...completed('r1'), status: 'working', result: undefined } as SettledTask;
    await a.keepUnlessKept(running);
    expect(await b.find('r1')).toMatchObject({ status: 'working' });
    await b.keep(completed('r1'));
    await a.keepUnlessKept(running);
    expect(await b.find('r1')).toMatchObject({ status: 'completed', result: { content: [{ type: 'text', text: 'done' }] } });
    // The end kept first, the start's record after: the end stays.
    await a.keep({ ...completed('r2'), status: 'failed', result: undefined, error: { code: -32603, message: 'boom' } } as SettledTask);
    await b.keepUnlessKept({ ...running, taskId: 'r2' });
    expect(await a.find('r2')).toMatchObject({ status: 'failed', error: { message: 'boom' } });
  }));

  it.skipIf(skip)('forgets a record once its ttlMs from creation has passed', both(async (a, b) => {
    await a.keep(completed('short', 150));
    await a.keep(completed('long'));
    expect(await b.find('short')).toBeDefined();
    await waitUntil(async () => ((await b.find('short')) === undefined ? true : undefined), 5000, 'the short record to run out');
    expect(await b.find('long')).toBeDefined();
  }));
});
