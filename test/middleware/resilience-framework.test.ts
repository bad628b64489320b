// The resilience middleware in a framework server (not the gateway), over real HTTP with SDK clients of both eras:
// a timeout aborts the handler's signal and answers Timeout; progress extends it; a configured-safe tool is retried;
// a failing backend opens the circuit, which then fails fast without running the handler.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger, WireError } from '../../src/core/index.js';
import { circuitBreaker, retry, timeout } from '../../src/middleware/index.js';
import { createServer, type HttpHandle } from '../../src/index.js';
import { eraClient } from '../gateway/fixtures/faulty.js';
import { TasksClient } from '../helpers/tasks-client.js';

describe.each(['legacy', 'modern'] as const)('resilience middleware in a framework server (%s client)', (era) => {
  let handle: HttpHandle;
  let client: Client;
  const runs = { slow: 0, aborted: 0, shaky: 0, broken: 0 };
  let shakyFailures = 0;

  beforeAll(async () => {
    const server = createServer({ name: 'fw', version: '1.0.0', logger: silentLogger });
    server.tool('slow', { description: 'Waits until cancelled' }, (_a, ctx) => {
      runs.slow++;
      return new Promise<string>((_, reject) =>
        ctx.signal.addEventListener('abort', () => {
          runs.aborted++;
          reject(new Error('aborted'));
        }),
      );
    });
    server.tool('ticking', { description: 'Reports progress for a while, then answers' }, async (_a, ctx) => {
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 60));
        await ctx.progress(i);
      }
      return 'done ticking';
    });
    server.tool('shaky', { description: 'Fails twice, then answers' }, () => {
      runs.shaky++;
      if (shakyFailures-- > 0) throw new WireError(ErrorCode.UpstreamUnavailable, 'backend unavailable');
      return 'steady';
    });
    server.tool('broken', { description: 'Always fails' }, () => {
      runs.broken++;
      throw new WireError(ErrorCode.UpstreamUnavailable, 'backend down');
    });
    server.use(
      circuitBreaker({ failures: 2, openMs: 60_000, target: (ctx) => (ctx.target === 'broken' ? { key: 'backend', name: 'broken' } : undefined) }),
      retry({ baseDelayMs: 5, maxDelayMs: 10, alsoSafe: (_ctx, t) => t.name === 'shaky' }),
      timeout({ timeoutMs: (ctx) => (ctx.target === 'slow' || ctx.target === 'ticking' ? 200 : undefined), maxTotalMs: () => 5000 }),
    );
    handle = await server.serveHttp({ port: 0 });
    client = await eraClient(handle.url, era);
  });
  afterAll(async () => {
    await client?.close().catch(() => {});
    await handle?.close();
  });

  it('times a handler out and aborts its signal', async () => {
    const before = runs.aborted;
    await expect(client.callTool({ name: 'slow', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.Timeout, message: expect.stringContaining("'slow' did not answer within 200 ms") });
    expect(runs.aborted).toBe(before + 1);
  });

  it("lets the handler's progress extend its deadline", async () => {
    const res = await client.callTool({ name: 'ticking', arguments: {} });
    expect((res.content as Array<{ text: string }>)[0]?.text).toBe('done ticking');
  });

  it('retries a tool configured as safe to repeat', async () => {
    shakyFailures = 2;
    const before = runs.shaky;
    const res = await client.callTool({ name: 'shaky', arguments: {} });
    expect((res.content as Array<{ text: string }>)[0]?.text).toBe('steady');
    expect(runs.shaky - before).toBe(3);
  });

  it('opens the circuit after 2 failures and then fails fast without running the handler', async () => {
    const before = runs.broken;
    for (let i = 0; i < 2; i++) await expect(client.callTool({ name: 'broken', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable });
    await expect(client.callTool({ name: 'broken', arguments: {} })).rejects.toMatchObject({ code: ErrorCode.UpstreamUnavailable, message: expect.stringContaining('circuit open') });
    expect(runs.broken - before).toBe(2);
  });
});

describe('the circuit breaker and tools that run as tasks (framework)', () => {
  let handle: HttpHandle;
  let runs = 0;
  beforeAll(async () => {
    const server = createServer({ name: 'fw', version: '1.0.0', logger: silentLogger });
    server.tool('broken_job', { description: 'Fails in the background', task: 'optional' }, async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 20));
      throw new WireError(ErrorCode.UpstreamUnavailable, 'backend down');
    });
    server.use(circuitBreaker({ failures: 2, openMs: 60_000, target: (ctx) => (ctx.target === 'broken_job' ? { key: 'backend', name: 'broken_job' } : undefined) }));
    handle = await server.serveHttp({ port: 0 });
  });
  afterAll(() => handle?.close());

  it('counts a task when its work fails, not when it is created, then refuses new tasks at once', async () => {
    const client = new TasksClient(handle.url);
    for (let i = 0; i < 2; i++) {
      const created = await client.ok('tools/call', { name: 'broken_job', arguments: {} });
      expect(created.resultType).toBe('task');
      expect(await client.settled(String(created.taskId))).toMatchObject({ status: 'failed', error: { code: ErrorCode.UpstreamUnavailable } });
    }
    const refused = await client.request('tools/call', { name: 'broken_job', arguments: {} });
    expect(refused.error).toMatchObject({ code: ErrorCode.UpstreamUnavailable, message: expect.stringContaining('circuit open') });
    expect(runs).toBe(2);
  });
});
