// Gateway.reload() in process: a restarted server keeps its place in the merged catalog (config order), a
// timeoutMs change applies without a restart, and a separator change is refused as a whole, leaving every
// upstream and the catalog as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { killAll, waitUntil } from '../helpers/process.js';
import { callError, callText, collect, gatewayConfig, type Running, startGateway, stderrLine, stdioServer, toolNames, tracedServer, upstreamOf, upstreamStderr } from './fixtures/helpers.js';

describe('Gateway.reload', () => {
  let run: Running;
  const seen = new Set<number>();
  const log = capturingLogger();
  const remember = () => {
    for (const u of run.gateway.health().upstreams) if (u.pid) seen.add(u.pid);
  };
  beforeAll(async () => {
    // `b` traces its slow calls on stderr (see tracedServer), which the gateway logs.
    run = await startGateway(gatewayConfig(stdioServer('a', { tools: { include: ['echo'], rename: {} } }), tracedServer('b', { tools: { include: ['echo'], rename: {} } })), { logger: log });
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
      tracedServer('b', { tools: { include: ['echo'], rename: {} } }),
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
      tracedServer('b', { timeoutMs: 300, tools: { include: ['echo', 'slow'], rename: {} } }),
    );
    expect(await run.gateway.reload(next)).toEqual({ added: [], removed: [], restarted: [], retimed: ['b'] });
    expect(upstreamOf(run.gateway, 'b')!.pid).toBe(before);
    const late = await callError(run.client, 'b__slow', { ms: 3000 });
    expect(late.code).toBe(ErrorCode.Timeout);
    expect(late.message).toBe("Server 'b' did not answer within 300 ms");
    // The call reached `b` and timed out while its 3 s sleep was still running (not after the old 10 s).
    await stderrLine(log.entries, 'b', 'started slow 3000');
    expect(upstreamStderr(log.entries, 'b')).not.toContain('finished slow 3000');
    expect(await callText(run.client, 'b__echo', { text: 'still' })).toBe('b: still');
  });

  it('refuses a separator change without touching anything', async () => {
    const before = run.gateway.health().upstreams.map((u) => u.pid);
    // Each list_changed notes whether `b` had left the catalog when it arrived (the marker below removes it).
    const changed = collect(run.client, 'notifications/tools/list_changed', () => run.gateway.catalog.tool('b__echo') === undefined);
    const next = { ...gatewayConfig(stdioServer('c')), separator: '.' };
    await expect(run.gateway.reload(next)).rejects.toThrow("separator changed ('__' to '.'); restart the gateway to apply it");
    expect(run.gateway.health().upstreams.map((u) => u.pid)).toEqual(before);
    expect(await toolNames(run.client)).toEqual(['a__echo', 'b__echo', 'b__slow']);
    expect(run.gateway.config.separator).toBe('__');
    // The marker: a reload that removes `b` announces a list_changed on the same stream. One from the refused
    // reload would have been sent before it and be noted as `false` (while `b` was still there).
    const withoutB = gatewayConfig(stdioServer('a', { env: { MCPLEX_LOG_LEVEL: 'error' }, tools: { include: ['echo'], rename: {} } }));
    expect(await run.gateway.reload(withoutB)).toEqual({ added: [], removed: ['b'], restarted: [], retimed: [] });
    await waitUntil(() => changed.notes.includes(true), 10_000, "the marker list_changed (server 'b' removed)");
    expect(changed.notes).toEqual([true]);
  });
});
