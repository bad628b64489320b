// A task whose replica crashes (`cluster:`): each replica keeps a record that a task runs as it starts it, so when
// it is SIGKILLed mid-task (nothing said how the task ended), a tasks/get that reaches another replica answers the
// task as failed, saying why, to its caller only, instead of "Unknown task"; a task that had ended keeps its outcome.
// Two real `mcplex serve` processes over a real Redis.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/index.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { isAlive, killPid, killStarted, ROOT, tsxArgs, waitGone } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { type Cli, serveCli } from './fixtures/cli.js';
import { RELAY_UPSTREAM } from './helpers/harness.js';

const redisUrl = sharedRedisUrl('tasks lost with a crashed replica');
const ALICE = 'mcplex_alice-crash-test-key-0123456789abcdef';
const BOB = 'mcplex_bob-crash-test-key-0123456789abcdef';

describe.skipIf(!redisUrl)('tasks lost with a crashed replica', () => {
  const pids: number[] = [];
  afterAll(async () => {
    killStarted();
    if (!(await waitGone(pids, 10_000))) for (const pid of pids.filter(isAlive)) killPid(pid);
  }, 30_000);

  it('a replica SIGKILLed mid-task: its running task is answered as failed by the other, its finished one as it ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-crash-'));
    const config = join(dir, 'mcplex.json');
    const fw = { command: process.execPath, args: tsxArgs(RELAY_UPSTREAM), cwd: ROOT, env: { MCPLEX_LOG_LEVEL: 'warn' }, protocol: '2025-11-25', tasks: { progress: 'optional', wait_cancel: 'optional' } };
    const auth = { apiKeys: { [hashApiKey(ALICE)]: { id: 'alice', scopes: ['mcplex:admin'] }, [hashApiKey(BOB)]: { id: 'bob' } } };
    writeFileSync(config, JSON.stringify({ listen: { host: '127.0.0.1' }, auth, servers: { fw }, cluster: { redis: { url: redisUrl, keyPrefix: uniquePrefix('tasks-crash') } } }));
    const replicas: Array<Cli & { url: string }> = [];
    for (let i = 0; i < 2; i++) {
      const cli = await serveCli(config);
      replicas.push(cli);
      pids.push(cli.pid);
      const ready = (await (await fetch(new URL('/readyz', cli.url), { headers: { authorization: `Bearer ${ALICE}` } })).json()) as { upstreams: Array<{ pid?: number }> };
      pids.push(...ready.upstreams.flatMap((u) => (u.pid ? [u.pid] : [])));
    }
    const [a, b] = replicas;
    const alice = (url: string) => new TasksClient(url, { headers: { authorization: `Bearer ${ALICE}` } });
    const onA = alice(a!.url);
    const finished = String((await onA.ok('tools/call', { name: 'fw__progress', arguments: {} })).taskId);
    const result = await onA.settled(finished);
    expect(result).toMatchObject({ status: 'completed' });
    const running = String((await onA.ok('tools/call', { name: 'fw__wait_cancel', arguments: { id: 'crash' } })).taskId);
    expect(await onA.ok('tasks/get', { taskId: running })).toMatchObject({ status: 'working' });
    // Reached through B while A lives: forwarded to A, still working there.
    const onB = alice(b!.url);
    expect(await onB.ok('tasks/get', { taskId: running })).toMatchObject({ status: 'working' });

    // Replica A crashes: nothing runs on its way out.
    killPid(a!.pid, 'SIGKILL');
    expect(await waitGone(a!.pid, 10_000)).toBe(true);

    const lost = 'The replica running this task stopped unexpectedly; call the tool again';
    expect(await onB.ok('tasks/get', { taskId: running })).toMatchObject({ taskId: running, status: 'failed', statusMessage: lost, error: { code: -32603, message: lost } });
    expect(await onB.ok('tasks/get', { taskId: finished })).toEqual(result);
    // Cancelling it changes nothing; it stays failed, asked again.
    await onB.ok('tasks/cancel', { taskId: running });
    expect(await onB.ok('tasks/get', { taskId: running })).toMatchObject({ status: 'failed', statusMessage: lost });
    // Someone else is told there is no such task.
    const bob = new TasksClient(b!.url, { headers: { authorization: `Bearer ${BOB}` } });
    expect((await bob.request('tasks/get', { taskId: running })).error).toMatchObject({ code: -32602, message: `Unknown task: ${running}` });
  }, 90_000);
});
