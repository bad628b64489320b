// Starting with upstreams that cannot connect (a command that does not exist, an HTTP URL nobody listens on):
// the good one connects, health says why each bad one is down, their tools are absent, calls to them say so.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { killAll } from '../helpers/process.js';
import { callError, callText, gatewayConfig, httpServer, type Running, startGateway, stdioServer, toolNames, upstreamOf } from './fixtures/helpers.js';

/** A loopback port that was free a moment ago (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

describe('startup with failing upstreams', () => {
  let run: Running;
  let pid: number | undefined;
  beforeAll(async () => {
    const port = await freePort();
    run = await startGateway(
      gatewayConfig(
        stdioServer('good'),
        stdioServer('missing', { command: '/nonexistent/mcp-server', args: [] }),
        httpServer('remote', `http://127.0.0.1:${port}/mcp`, { connectTimeoutMs: 3000 }),
      ),
      { restart: { initialDelayMs: 120_000, maxDelayMs: 120_000, healthyAfterMs: 60_000 } },
    );
    pid = upstreamOf(run.gateway, 'good')?.pid;
  });
  afterAll(async () => {
    await run?.close();
    if (pid) killAll([pid]);
  });

  it('start() returns once every upstream connected or failed its first attempt', () => {
    // Not after the bad ones' backoffs (no restart was attempted yet) nor their connect timeouts (refused, ENOENT).
    expect(upstreamOf(run.gateway, 'good')).toMatchObject({ state: 'up', restarts: 0 });
    expect(upstreamOf(run.gateway, 'missing')).toMatchObject({ state: 'backoff', restarts: 0 });
    expect(upstreamOf(run.gateway, 'remote')).toMatchObject({ state: 'backoff', restarts: 0 });
  });

  it('health says why each bad upstream is down', () => {
    const missing = upstreamOf(run.gateway, 'missing')!;
    expect(missing.state).toBe('backoff');
    expect(missing.pid).toBeUndefined();
    expect(missing.error).toBe("Cannot start upstream 'missing': command '/nonexistent/mcp-server' not found (ENOENT); check the command and PATH");
    const remote = upstreamOf(run.gateway, 'remote')!;
    expect(remote.state).toBe('backoff');
    expect(remote.error).toMatch(/^Cannot connect to upstream 'remote' at http:\/\/127\.0\.0\.1:\d+\/mcp: .*ECONNREFUSED/);
  });

  it('lists only the good upstream and serves it', async () => {
    expect(await toolNames(run.client)).toEqual(['good__alpha', 'good__beta', 'good__echo', 'good__hang', 'good__slow', 'good__whoami']);
    expect(await callText(run.client, 'good__echo', { text: 'hi' })).toBe('good: hi');
  });

  it('calls to a bad upstream fail fast with the reason', async () => {
    const err = await callError(run.client, 'missing__echo', { text: 'x' });
    expect(err.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(err.message).toContain("Server 'missing' is unavailable: Cannot start upstream 'missing'");
    const remote = await callError(run.client, 'remote__echo', { text: 'x' });
    expect(remote.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(remote.message).toMatch(/^Server 'remote' is unavailable: .*ECONNREFUSED/);
    // Failed at once, not after waiting for a reconnect: both are still in their first backoff (2 min: longer than a loaded CI machine takes to start the good one).
    expect(upstreamOf(run.gateway, 'missing')).toMatchObject({ state: 'backoff', restarts: 0 });
    expect(upstreamOf(run.gateway, 'remote')).toMatchObject({ state: 'backoff', restarts: 0 });
  });

  it('/readyz carries the same upstream states', async () => {
    const res = await fetch(new URL('/readyz', run.http.url));
    const body = (await res.json()) as { upstreams: Array<{ name: string; state: string; error?: string }> };
    expect(body.upstreams.map((u) => [u.name, u.state])).toEqual([
      ['good', 'up'],
      ['missing', 'backoff'],
      ['remote', 'backoff'],
    ]);
    expect(body.upstreams[1]!.error).toContain('ENOENT');
  });
});
