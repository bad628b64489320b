// Two gateway replicas sharing a Redis directory (`cluster:`) run tasks (`servers.<name>.tasks`): a task lives on
// the replica that made it, and a tasks/get, tasks/update or tasks/cancel that reaches the other one (a load
// balancer that is not sticky) is forwarded to it; a task unknown to both is -32602 on either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/index.js';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitGone } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { relayUpstream } from './helpers/harness.js';

const redisUrl = sharedRedisUrl('gateway cluster tasks');

describe.skipIf(!redisUrl)('tasks across gateway replicas', () => {
  const keyPrefix = uniquePrefix('cluster-tasks');
  const replicas: Array<{ gateway: Gateway; handle: HttpHandle }> = [];
  const pids: number[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const fw = relayUpstream('fw', { protocol: '2025-11-25', tasks: { wait_cancel: 'optional', ask: 'optional' } });
      const config = { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: { fw }, cluster: { redis: { url: redisUrl!, keyPrefix } } } as unknown as GatewayConfig;
      const gateway = new Gateway(config, { logger: silentLogger });
      await gateway.start();
      replicas.push({ gateway, handle: await gateway.serveHttp({ port: 0 }) });
      pids.push(...gateway.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : [])));
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) {
      await r.handle.close();
      await r.gateway.close();
    }
    await waitGone(pids, 10_000);
  }, 30_000);

  it('answers for a task on the replica that runs it, wherever the request lands', async () => {
    const [one, two] = replicas.map((r) => new TasksClient(r.handle.url));
    const taskId = String((await one!.ok('tools/call', { name: 'fw__ask', arguments: { question: 'Across?' } })).taskId);
    // Asked through the other replica: forwarded to the one that holds the task.
    const asking = await two!.until(taskId, (t) => t.status === 'input_required');
    const [key] = Object.keys(asking.inputRequests as object);
    await two!.ok('tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { name: 'Ada' } } } });
    expect(await two!.settled(taskId)).toMatchObject({ status: 'completed', result: { content: [{ text: 'hello Ada (legacy)' }] } });

    const waiting = String((await one!.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'across' } })).taskId);
    await two!.ok('tasks/cancel', { taskId: waiting });
    expect(await one!.ok('tasks/get', { taskId: waiting })).toMatchObject({ status: 'cancelled' });
    for (const client of [one!, two!]) expect((await client.request('tasks/get', { taskId: 'nobody-has-this' })).error?.code).toBe(-32602);
  });
});
