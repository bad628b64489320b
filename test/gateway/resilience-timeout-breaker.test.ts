// Fault injection through the gateway with real upstream processes, from SDK clients of both eras: a hanging tool
// times out at its per-tool bound (and the upstream is told to cancel) while other upstreams answer; progress
// extends a call up to the hard maximum; a failing upstream opens its circuit, fails fast, half-opens and closes.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { scrapeSample } from '../helpers/metrics.js';
import { killAll, waitUntil } from '../helpers/process.js';
import { callText, FAST_RESTART, stderrLine, upstreamStderr } from './fixtures/helpers.js';
import { detailOf, eraClient, faultyServer } from './fixtures/faulty.js';

async function failure(client: Client, name: string, args: Record<string, unknown> = {}, opts: { onprogress?: () => void } = {}) {
  const err = (await client.callTool({ name, arguments: args }, opts).then(
    (r) => new Error(`expected ${name} to fail, got ${JSON.stringify(r)}`),
    (e: unknown) => e,
  )) as { code?: number; message: string; data?: { retryAfterMs?: number } };
  if (typeof err.code !== 'number') throw err;
  return err as { code: number; message: string; data?: { retryAfterMs?: number } };
}

const config: GatewayConfig = {
  listen: { host: '127.0.0.1', port: 0, path: '/mcp' },
  separator: '__',
  servers: {
    a: faultyServer('a', { toolTimeouts: { hang: 400, ticking: 300 }, maxTimeoutMs: 1500, retry: false }),
    b: faultyServer('b'),
    c: faultyServer('c'),
  },
  resilience: { breaker: { failures: 3, openMs: 600 }, healthCheck: false },
};

describe.each(['legacy', 'modern'] as const)('resilience through the gateway (%s client)', (era) => {
  const log = capturingLogger();
  let gateway: Gateway;
  let http: HttpHandle;
  let client: Client;
  const pids = new Set<number>();
  beforeAll(async () => {
    gateway = new Gateway(config, { logger: log, restart: FAST_RESTART });
    await gateway.start();
    http = await gateway.serveHttp({ port: 0 });
    client = await eraClient(http.url, era);
    for (const u of gateway.health().upstreams) if (u.pid) pids.add(u.pid);
  });
  afterAll(async () => {
    await client?.close().catch(() => {});
    await http?.close();
    await gateway?.close();
    killAll(pids);
  });

  it('times a hanging tool out at its own bound, cancels it upstream, and keeps serving others meanwhile', async () => {
    const cancelledBefore = upstreamStderr(log.entries, 'a').filter((l) => l.startsWith('cancelled')).length;
    const hanging = failure(client, 'a__hang');
    await stderrLine(log.entries, 'a', 'started hang');
    // Another upstream (and another tool of the same one) answer while the hang is pending.
    expect(await callText(client, 'b__whoami')).toMatch(/^b:\d+$/);
    expect(await callText(client, 'a__whoami')).toMatch(/^a:\d+$/);
    const err = await hanging;
    expect(err.code).toBe(ErrorCode.Timeout);
    expect(err.message).toBe("Server 'a' did not answer within 400 ms");
    // The upstream was told to stop (notifications/cancelled), and it was not retried (retry: false on a).
    await waitUntil(() => upstreamStderr(log.entries, 'a').filter((l) => l.startsWith('cancelled')).length > cancelledBefore, 5000, 'a cancellation upstream');
  });

  it('lets progress extend a call past its timeout, up to the hard maximum', async () => {
    let ticks = 0;
    const err = await failure(client, 'a__ticking', { everyMs: 50 }, { onprogress: () => ticks++ });
    expect(ticks).toBeGreaterThan(0);
    // Not the 300 ms inactivity bound: the ticks kept it alive until maxTimeoutMs.
    expect(err.code).toBe(ErrorCode.Timeout);
    expect(err.message).toBe("Server 'a' did not finish within its maximum of 1500 ms");
  });

  it('opens the circuit after 3 failures, fails fast without calling the upstream, half-opens and closes', async () => {
    expect(await callText(client, 'c__arm', { n: 3 })).toBe('armed 3');
    for (let i = 0; i < 3; i++) expect((await failure(client, 'c__flaky')).code).toBe(ErrorCode.InternalError);
    const reached = upstreamStderr(log.entries, 'c').filter((l) => l === 'started flaky').length;
    expect(detailOf(gateway, 'c')?.breaker.state).toBe('open');
    // The same state on /metrics (2 = open).
    expect(await scrapeSample(http.url, 'mcp_upstream_breaker_state', { upstream: 'c' })).toBe(2);

    const fast = await failure(client, 'c__flaky');
    expect(fast.code).toBe(ErrorCode.UpstreamUnavailable);
    expect(fast.message).toMatch(/^Server 'c' is failing \(circuit open after 3 failures\); try again in \d+ s$/);
    expect(fast.data?.retryAfterMs).toBeGreaterThan(0);
    // Every tool of that upstream fails fast; other upstreams are untouched.
    expect((await failure(client, 'c__whoami')).code).toBe(ErrorCode.UpstreamUnavailable);
    expect(await callText(client, 'b__whoami')).toMatch(/^b:/);
    expect(upstreamStderr(log.entries, 'c').filter((l) => l === 'started flaky').length).toBe(reached);

    await waitUntil(() => detailOf(gateway, 'c')?.breaker.state === 'half-open', 5000, 'the circuit to half-open');
    expect(await callText(client, 'c__flaky')).toBe('c: fine');
    expect(detailOf(gateway, 'c')?.breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(await scrapeSample(http.url, 'mcp_upstream_breaker_state', { upstream: 'c' })).toBe(0);
    expect(await callText(client, 'c__whoami')).toMatch(/^c:/);
  });

  it('shows breaker state and latency per upstream in readiness detail', async () => {
    const res = await fetch(`${http.url.replace(/\/mcp$/, '')}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { upstreams: Array<{ name: string; breaker: { state: string }; latencyP50Ms?: number; required: boolean }> };
    const c = body.upstreams.find((u) => u.name === 'c');
    expect(c?.breaker.state).toBe('closed');
    expect(typeof c?.latencyP50Ms).toBe('number');
    expect(c?.required).toBe(false);
  });
});
