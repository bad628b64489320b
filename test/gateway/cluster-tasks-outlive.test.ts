// A task's outcome outlives the replica that ran it (`cluster:`): each task that ends is kept in Redis for the rest of
// its ttlMs, and a replica that stops cancels its running tasks and keeps them too; so a tasks/get that reaches
// another replica afterwards answers the task as it ended (its result, or "cancelled" with why), to its caller only.
import { afterAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/index.js';
import type { HttpHandle } from '../../src/server/index.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitGone } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { relayUpstream } from './helpers/harness.js';
import { testPrincipal } from './isolation/fixtures.js';

const redisUrl = sharedRedisUrl('tasks outliving their replica');

describe.skipIf(!redisUrl)('tasks outliving their replica', () => {
  const replicas: Array<{ gateway: Gateway; handle: HttpHandle; closed?: boolean }> = [];
  const pids: number[] = [];
  afterAll(async () => {
    for (const r of replicas.filter((r) => !r.closed)) {
      await r.handle.close();
      await r.gateway.close();
    }
    await waitGone(pids, 10_000);
  }, 30_000);

  it('a replica that stops leaves its tasks answered by the others: the finished one with its result, the running one cancelled', async () => {
    const keyPrefix = uniquePrefix('tasks-outlive');
    for (let i = 0; i < 2; i++) {
      const fw = relayUpstream('fw', { protocol: '2025-11-25', tasks: { progress: 'optional', wait_cancel: 'optional' } });
      const config = { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: { fw }, cluster: { redis: { url: redisUrl!, keyPrefix } } } as unknown as GatewayConfig;
      const gateway = new Gateway(config, { logger: silentLogger });
      gateway.use(testPrincipal);
      await gateway.start();
      replicas.push({ gateway, handle: await gateway.serveHttp({ port: 0 }) });
      pids.push(...gateway.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : [])));
    }
    const [a, b] = replicas;
    const alice = (r: typeof a) => new TasksClient(r!.handle.url, { headers: { 'x-test-principal': 'alice' } });
    const onA = alice(a);
    const finished = String((await onA.ok('tools/call', { name: 'fw__progress', arguments: {} })).taskId);
    const result = await onA.settled(finished);
    expect(result).toMatchObject({ status: 'completed' });
    const running = String((await onA.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'outlive' } })).taskId);
    expect(await onA.ok('tasks/get', { taskId: running })).toMatchObject({ status: 'working' });

    // Replica A stops (a rolling restart, say): its running task is cancelled as it goes.
    await a!.handle.close();
    await a!.gateway.close();
    a!.closed = true;

    const onB = alice(b);
    expect(await onB.ok('tasks/get', { taskId: finished })).toEqual(result);
    expect(await onB.ok('tasks/get', { taskId: running })).toMatchObject({ status: 'cancelled', statusMessage: 'The replica running this task stopped; call the tool again' });
    // Cancelling or answering an ended task changes nothing, as on the replica that ran it.
    await onB.ok('tasks/cancel', { taskId: finished });
    expect(await onB.ok('tasks/get', { taskId: finished })).toMatchObject({ status: 'completed' });
    // Someone else is told there is no such task.
    const bob = new TasksClient(b!.handle.url, { headers: { 'x-test-principal': 'bob' } });
    expect((await bob.request('tasks/get', { taskId: finished })).error).toMatchObject({ code: -32602, message: `Unknown task: ${finished}` });
  });
});
