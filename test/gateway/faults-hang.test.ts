// An upstream tool that never answers: the call ends with a timeout error after the server's timeoutMs, while
// the gateway keeps serving other calls to the same upstream, other upstreams and list requests meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { killAll } from '../helpers/process.js';
import { callError, callText, gatewayConfig, type Running, startGateway, stdioServer, toolNames, upstreamOf } from './fixtures/helpers.js';

describe('an upstream that hangs', () => {
  let run: Running;
  const pids: number[] = [];
  beforeAll(async () => {
    run = await startGateway(gatewayConfig(stdioServer('a', { timeoutMs: 1500 }), stdioServer('b')));
    for (const u of run.gateway.health().upstreams) if (u.pid) pids.push(u.pid);
  });
  afterAll(async () => {
    await run?.close();
    killAll(pids);
  });

  it('times out after timeoutMs with a clear error while everything else keeps working', async () => {
    const { client, gateway } = run;
    const pidBefore = upstreamOf(gateway, 'a')!.pid;
    let settled = 0;
    const hung = callError(client, 'a__hang').finally(() => settled++);
    const alsoHung = callError(client, 'a__hang').finally(() => settled++);
    // Meanwhile (before either hung call has ended): the same upstream, the other one, and lists all answer.
    expect(await callText(client, 'a__echo', { text: 'same server' })).toBe('a: same server');
    expect(await callText(client, 'b__echo', { text: 'other server' })).toBe('b: other server');
    expect(await toolNames(client)).toHaveLength(12);
    expect(settled).toBe(0);

    // A marker on `b` (10 s timeout) that answers after 3 s: the 1500 ms timeouts must end before it, which
    // they would not if the timer ignored timeoutMs; and not before 1500 ms (timers never fire early).
    const marker = callText(client, 'b__slow', { ms: 3000 });
    const both = Promise.all([hung, alsoHung]);
    expect(await Promise.race([both.then(() => 'timed out'), marker.then(() => 'marker answered')])).toBe('timed out');
    for (const err of await both) {
      expect(err.code).toBe(ErrorCode.Timeout);
      expect(err.message).toBe("Server 'a' did not answer within 1500 ms");
      expect(err.ms).toBeGreaterThanOrEqual(1450);
    }
    expect(await marker).toBe('b: slept 3000');
    // A timeout is not a crash: same process, still serving.
    expect(upstreamOf(gateway, 'a')).toMatchObject({ state: 'up', pid: pidBefore, restarts: 0 });
    expect(await callText(client, 'a__slow', { ms: 50 })).toBe('a: slept 50');
  });

  it('a slow call under the timeout still succeeds, and one over it times out', async () => {
    expect(await callText(run.client, 'a__slow', { ms: 300 })).toBe('a: slept 300');
    const err = await callError(run.client, 'a__slow', { ms: 3000 });
    expect(err.code).toBe(ErrorCode.Timeout);
  });
});
