// Gateway.reload() in process: a restarted server keeps its place in the merged catalog (config order), a
// timeoutMs change applies without a restart, and a separator change is refused as a whole, leaving every
// upstream and the catalog as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../helpers/process.js';
import { ErrorCode } from '../../src/core/index.js';
import { callError, callText, collect, gatewayConfig, type Running, startGateway, stdioServer, toolNames, upstreamOf } from './fixtures/helpers.js';

describe('Gateway.reload', () => {
  let run: Running;
  const seen = new Set<number>();
  const remember = () => {
    for (const u of run.gateway.health().upstreams) if (u.pid) seen.add(u.pid);
  };
  beforeAll(async () => {
    run = await startGateway(gatewayConfig(stdioServer('a', { tools: { include: ['echo'], rename: {} } }), stdioServer('b', { tools: { include: ['echo'], rename: {} } })));
    remember();
  });
  afterAll(async () => {
    await run?.close();
    killAll(seen);
  });

  const listed = async () => (await run.client.listTools()).tools.map((t) => t.name);

  it('keeps config order when a server restarts', async () => {
    expect(await listed()).toEqual(['a__echo', 'b__echo']);
    const oldA = upstreamOf(run.gateway, 'a')!.pid;
    const next = gatewayConfig(
      stdioServer('a', { env: { MCPLEX_LOG_LEVEL: 'error' }, tools: { include: ['echo'], rename: {} } }),
      stdioServer('b', { tools: { include: ['echo'], rename: {} } }),
    );
    expect(await run.gateway.reload(next)).toEqual({ added: [], removed: [], restarted: ['a'], retimed: [] });
    remember();
    expect(upstreamOf(run.gateway, 'a')!.pid).not.toBe(oldA);
    expect(run.gateway.health().upstreams.map((u) => u.name)).toEqual(['a', 'b']);
    expect(await listed()).toEqual(['a__echo', 'b__echo']);
    expect(await callText(run.client, 'a__echo', { text: 'back' })).toBe('a: back');
  });

  it('applies a timeoutMs change to the running server, without a restart', async () => {
    const before = upstreamOf(run.gateway, 'b')!.pid;
    const next = gatewayConfig(
      stdioServer('a', { env: { MCPLEX_LOG_LEVEL: 'error' }, tools: { include: ['echo'], rename: {} } }),
      stdioServer('b', { timeoutMs: 300, tools: { include: ['echo', 'slow'], rename: {} } }),
    );
    expect(await run.gateway.reload(next)).toEqual({ added: [], removed: [], restarted: [], retimed: ['b'] });
    expect(upstreamOf(run.gateway, 'b')!.pid).toBe(before);
    const late = await callError(run.client, 'b__slow', { ms: 3000 });
    expect(late.code).toBe(ErrorCode.Timeout);
    expect(late.message).toBe("Server 'b' did not answer within 300 ms");
    expect(late.ms).toBeLessThan(2000);
    expect(await callText(run.client, 'b__echo', { text: 'still' })).toBe('b: still');
  });

  it('refuses a separator change without touching anything', async () => {
    const before = run.gateway.health().upstreams.map((u) => u.pid);
    const changed = collect(run.client, 'notifications/tools/list_changed');
    const next = { ...gatewayConfig(stdioServer('c')), separator: '.' };
    await expect(run.gateway.reload(next)).rejects.toThrow("separator changed ('__' to '.'); restart the gateway to apply it");
    expect(run.gateway.health().upstreams.map((u) => u.pid)).toEqual(before);
    expect(await toolNames(run.client)).toEqual(['a__echo', 'b__echo', 'b__slow']);
    expect(run.gateway.config.separator).toBe('__');
    await new Promise((r) => setTimeout(r, 200));
    expect(changed.count).toBe(0);
  });
});
