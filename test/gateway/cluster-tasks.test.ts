// Two gateway replicas sharing a Redis directory (`cluster:`) run tasks (`servers.<name>.tasks`): a task lives on
// the replica that made it, and a tasks/get, tasks/update or tasks/cancel that reaches the other one (a load
// balancer that is not sticky) is forwarded to it; a task unknown to both is -32602 on either. So is the next round
// of a 2026-era call one replica holds between rounds (a 2025-era upstream's questions, a task in its first window,
// a URL to open).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/index.js';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { relayUpstream, stdio } from './helpers/harness.js';
import { ROOT, waitGone } from '../helpers/process.js';

const URL_UPSTREAM = `${ROOT}test/gateway/helpers/url-elicit-upstream.mjs`;

const redisUrl = sharedRedisUrl('gateway cluster tasks');

describe.skipIf(!redisUrl)('tasks across gateway replicas', () => {
  const keyPrefix = uniquePrefix('cluster-tasks');
  const replicas: Array<{ gateway: Gateway; handle: HttpHandle }> = [];
  const pids: number[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const fw = relayUpstream('fw', { protocol: '2025-11-25', tasks: { wait_cancel: 'optional', ask: 'optional', ask_twice: { support: 'optional', immediateMs: 5_000 } } });
      const u = stdio('u', process.execPath, [URL_UPSTREAM]);
      const config = { listen: { host: '127.0.0.1', port: 0, path: '/mcp' }, separator: '__', servers: { fw, u }, cluster: { redis: { url: redisUrl!, keyPrefix } } } as unknown as GatewayConfig;
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

  it('an administrator cancels a task through either replica: the one that runs it does, and answers', async () => {
    const [one, two] = replicas.map((r) => new TasksClient(r.handle.url));
    const taskId = String((await one!.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'admin-across' } })).taskId);
    const cancel = (at: number, id: string) =>
      fetch(new URL('/admin/tasks/cancel', replicas[at]!.handle.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ taskId: id }) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    // Listed through either replica, naming the one that runs it, newest first (one made later on the other).
    const later = String((await two!.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'admin-across-later' } })).taskId);
    const owner = ((await (await fetch(new URL('/admin/replicas', replicas[0]!.handle.url))).json()) as { replicas: Array<{ id: string; self: boolean }> }).replicas.find((r) => r.self)!.id;
    for (const at of [0, 1]) {
      const listed = (await (await fetch(new URL('/admin/tasks', replicas[at]!.handle.url))).json()) as { tasks: Array<{ taskId: string; replica?: string; status: string }>; unreachable?: unknown };
      expect(listed.tasks.filter((t) => t.taskId === taskId)).toEqual([expect.objectContaining({ taskId, replica: owner, status: 'working' })]);
      expect(listed.tasks.map((t) => t.taskId).filter((id) => id === taskId || id === later)).toEqual([later, taskId]);
      expect(listed.unreachable).toBeUndefined();
    }
    // Asked of the replica that does not run it: forwarded to the one that does.
    expect(await cancel(1, taskId)).toEqual({ status: 200, body: { cancelled: taskId } });
    expect(await one!.ok('tasks/get', { taskId })).toMatchObject({ status: 'cancelled', statusMessage: 'Cancelled by an administrator' });
    // Again: it has ended (the owner says so); an id no replica holds is unknown on either.
    expect(await cancel(1, taskId)).toEqual({ status: 409, body: { error: `task ${taskId} has already ended` } });
    expect((await cancel(0, 'nobody-has-this')).status).toBe(404);
    expect((await cancel(1, 'nobody-has-this')).status).toBe(404);
    await two!.ok('tasks/get', { taskId });
    expect(await cancel(0, later)).toEqual({ status: 200, body: { cancelled: later } });
  });

  /** A 2026-era call answered round by round, each round on the next replica (as a load balancer that is not sticky might). */
  async function roundRobin(clients: TasksClient[], params: Record<string, unknown>, answers: string[]): Promise<{ result: Record<string, unknown>; states: string[] }> {
    const states: string[] = [];
    let reply = await clients[0]!.ok('tools/call', params);
    for (let round = 0; reply.resultType === 'input_required'; round++) {
      const [key] = Object.keys(reply.inputRequests as object);
      states.push(String(reply.requestState));
      const inputResponses = { [key!]: { action: 'accept', content: { name: answers[round], v: answers[round] } } };
      reply = await clients[(round + 1) % clients.length]!.ok('tools/call', { ...params, inputResponses, requestState: reply.requestState });
    }
    return { result: reply, states };
  }

  it("forwards the next round of a call the other replica holds (the input bridge's, a task's first window, a URL to open)", async () => {
    const noTasks = { elicitation: {} };
    const [one, two] = replicas.map((r) => new TasksClient(r.handle.url, { capabilities: noTasks }));
    // A 2025-era upstream's question to a caller without the tasks extension: the bridge holds the call.
    const bridged = await roundRobin([one!, two!], { name: 'fw__ask', arguments: { question: 'Which replica?' } }, ['Ada']);
    expect(bridged.states[0]).toMatch(/^mcplex\.bridge\./);
    expect(bridged.result).toMatchObject({ content: [{ text: 'hello Ada (legacy)' }] });
    // A task still in its window (immediateMs): its rounds name the task, which lives on the first replica.
    const [t1, t2] = replicas.map((r) => new TasksClient(r.handle.url));
    const windowed = await roundRobin([t1!, t2!], { name: 'fw__ask_twice', arguments: {} }, ['x', 'y']);
    expect(windowed.states.map((s) => s.slice(0, 12))).toEqual(['mcplex.task.', 'mcplex.task.']);
    expect(windowed.result).toMatchObject({ content: [{ text: 'x+y' }] });
    // A URL to open (the upstream's -32042 as a round): held where the page's completion is heard.
    const [o1, o2] = replicas.map((r) => new TasksClient(r.handle.url, { capabilities: { elicitation: { url: {} } } }));
    const login = { name: 'u__login', arguments: { who: 'kim' } };
    const asked = await o1!.ok('tools/call', login);
    expect(String(asked.requestState)).toMatch(/^mcplex\.url\./);
    await o1!.ok('tools/call', { name: 'u__finish', arguments: { id: 'login-kim' } });
    const answered = await o2!.ok('tools/call', { ...login, inputResponses: { 'mcplex.url.0': { action: 'accept' } }, requestState: asked.requestState });
    expect(answered).toMatchObject({ content: [{ text: 'welcome kim' }] });
  });
});
