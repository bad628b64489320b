// A gateway task's upstream call under the resilience stages, as an ordinary call is (real upstream processes, a raw
// 2026-era client declaring the tasks extension): the circuit breaker counts each task when its work ends (not when
// it was created), an open circuit refuses new tasks at once, a half-open probe that is a task closes it; a read killed
// mid-task is retried on the restarted server, a non-idempotent call is not (its side effect happens once); the
// upstream's latency is the work's, not the task creation's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { killAll, waitUntil } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { FAST_RESTART, stderrLine, upstreamStderr } from './fixtures/helpers.js';
import { counterFile, detailOf, faultyServer, upAgain } from './fixtures/faulty.js';

describe('gateway tasks under the resilience stages', () => {
  const log = capturingLogger();
  const counter = counterFile();
  const pids = new Set<number>();
  let gateway: Gateway;
  let http: HttpHandle;
  let client: TasksClient;
  const asTask = { flaky: 'optional', read_slow: 'optional', count_slow: 'optional', hang: 'optional' } as const;

  beforeAll(async () => {
    const config: GatewayConfig = {
      listen: { host: '127.0.0.1', port: 0, path: '/mcp' },
      separator: '__',
      servers: {
        c: faultyServer('c', { tasks: asTask, retry: false }),
        k: faultyServer('k', { tasks: asTask }, { COUNTER_FILE: counter.path }),
        l: faultyServer('l', { tasks: asTask }),
      },
      resilience: { breaker: { failures: 3, openMs: 3000 }, retry: { retries: 3 }, waitForRestartMs: 10_000, healthCheck: false },
    };
    gateway = new Gateway(config, { logger: log, restart: FAST_RESTART });
    await gateway.start();
    http = await gateway.serveHttp({ port: 0 });
    client = new TasksClient(http.url);
    for (const u of gateway.health().upstreams) if (u.pid) pids.add(u.pid);
  }, 60_000);
  afterAll(async () => {
    await http?.close();
    for (const u of gateway?.health().upstreams ?? []) if (u.pid) pids.add(u.pid);
    await gateway?.close();
    killAll(pids);
    counter.remove();
  });

  const task = async (name: string, args: Record<string, unknown> = {}) => {
    const created = await client.ok('tools/call', { name, arguments: args });
    expect(created.resultType).toBe('task');
    return String(created.taskId);
  };
  const started = (server: string, tool: string) => upstreamStderr(log.entries, server).filter((l) => l === `started ${tool}`).length;

  it('counts failed tasks toward the circuit, refuses new tasks while it is open, and closes on a task probe', async () => {
    await client.ok('tools/call', { name: 'c__arm', arguments: { n: 3 } });
    for (let i = 0; i < 3; i++) {
      const ended = await client.settled(await task('c__flaky'));
      expect(ended).toMatchObject({ status: 'failed', error: { code: ErrorCode.InternalError } });
    }
    // The three creations succeeded; their work failed, and that is what the breaker counted.
    expect(detailOf(gateway, 'c')?.breaker.state).toBe('open');
    const reached = started('c', 'flaky');
    const refused = await client.request('tools/call', { name: 'c__flaky', arguments: {} });
    expect(refused.error?.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(refused.error?.message).toMatch(/^Server 'c' is failing \(circuit open after 3 failures\)/);
    expect(started('c', 'flaky')).toBe(reached);

    await waitUntil(() => detailOf(gateway, 'c')?.breaker.state === 'half-open', 10_000, 'the circuit to half-open');
    // A probe that is a task is out until its work ends (this one never answers): the circuit stays half-open and
    // admits no other call meanwhile.
    const probe = await task('c__hang');
    expect(detailOf(gateway, 'c')?.breaker.state).toBe('half-open');
    expect((await client.request('tools/call', { name: 'c__whoami', arguments: {} })).error?.code).toBe(ErrorCode.UpstreamUnavailable);
    // Cancelled, it says nothing about the upstream: the next call is the probe, and its success closes the circuit.
    await client.ok('tasks/cancel', { taskId: probe });
    const next = await waitUntil(async () => (await client.request('tools/call', { name: 'c__flaky', arguments: {} })).result, 5000, 'a probe to be admitted');
    expect(await client.settled(String(next.taskId))).toMatchObject({ status: 'completed', result: { content: [{ text: 'c: fine' }] } });
    await waitUntil(() => detailOf(gateway, 'c')?.breaker.state === 'closed', 5000, 'the circuit to close');
  });

  it('retries a read killed mid-task on the restarted server, and never a non-idempotent call', async () => {
    const first = detailOf(gateway, 'k')!.pid!;
    const read = await task('k__read_slow', { ms: 2000 });
    await stderrLine(log.entries, 'k', 'started read_slow');
    process.kill(first, 'SIGKILL');
    expect(await client.settled(read, 20_000)).toMatchObject({ status: 'completed', result: { content: [{ text: 'k: read' }] } });
    const second = await upAgain(gateway, 'k', first);
    pids.add(second);
    expect(started('k', 'read_slow')).toBe(2);

    const write = await task('k__count_slow', { ms: 60_000 });
    await stderrLine(log.entries, 'k', 'counted 1');
    process.kill(second, 'SIGKILL');
    expect(await client.settled(write)).toMatchObject({ status: 'failed', error: { code: ErrorCode.UpstreamUnavailable, message: "Server 'k' went away while handling the request; try again shortly" } });
    pids.add(await upAgain(gateway, 'k', second));
    expect(counter.lines()).toBe(1);
    expect(started('k', 'count_slow')).toBe(1);
  });

  it("times the upstream by the task's work, not by its creation", async () => {
    await client.settled(await task('l__read_slow', { ms: 600 }));
    await waitUntil(() => (detailOf(gateway, 'l')?.latencyP50Ms ?? 0) >= 600, 5000, "l's latency to be the work's");
  });
});
