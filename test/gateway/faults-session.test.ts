// A 2025-era Streamable HTTP upstream that forgets the gateway's session (idle expiry, or a restart) answers
// 404: the gateway re-initialises exactly once and the caller's request succeeds, on the same downstream session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpHandle } from '../../src/server/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitUntil } from '../helpers/process.js';
import { callText, collect, gatewayConfig, httpServer, type Running, startGateway, toolNames, upstreamOf } from './fixtures/helpers.js';
import { type LegacyFront, legacyFront } from './fixtures/legacy-front.js';
import { buildUpstream } from './fixtures/upstream.js';

describe('HTTP upstream session gone', () => {
  let upstream: HttpHandle;
  let marker: HttpHandle;
  let front: LegacyFront;
  let run: Running;
  // The upstream's own log says when it closed an idle session: the tests wait for that, not for the TTL.
  const upstreamLog = capturingLogger();
  const expiries = () => upstreamLog.entries.filter((e) => e.msg === 'closing idle session').length;
  const expired = (after: number) => waitUntil(() => expiries() > after, 10_000, 'the upstream to close the idle session');
  beforeAll(async () => {
    upstream = await buildUpstream('h', { logger: upstreamLog }).serveHttp({ port: 0, sessionIdleTtlMs: 400 });
    marker = await buildUpstream('m').serveHttp({ port: 0 });
    // No standalone GET stream: an open one keeps a session from idling out, and these tests need it to.
    front = await legacyFront(upstream.url, { getStream: false });
    run = await startGateway(gatewayConfig(httpServer('h', front.url, { timeoutMs: 5000, connectTimeoutMs: 5000 })));
  });
  afterAll(async () => {
    await run?.close();
    await front?.close();
    await upstream?.close();
    await marker?.close();
  });

  it('speaks the 2025 era to this upstream (the precondition for sessions)', () => {
    expect(upstreamOf(run.gateway, 'h')).toMatchObject({ state: 'up', era: 'legacy' });
    expect(front.initializes).toBe(1);
  });

  it('after idle expiry: a 404, one re-initialise, and the call succeeds', async () => {
    const { client } = run;
    expect(await callText(client, 'h__echo', { text: 'first' })).toBe('h: first');
    const [inits, gone, closed] = [front.initializes, front.notFound, expiries()];
    await expired(closed);
    expect(await callText(client, 'h__echo', { text: 'after expiry' })).toBe('h: after expiry');
    expect(front.notFound).toBeGreaterThan(gone);
    expect(front.initializes).toBe(inits + 1);
    expect(await callText(client, 'h__echo', { text: 'again' })).toBe('h: again');
    expect(front.initializes).toBe(inits + 1);
    expect(upstreamOf(run.gateway, 'h')!.state).toBe('up');
  });

  it('concurrent calls that all meet the 404 share one re-initialise, without list_changed downstream', async () => {
    const { client, gateway } = run;
    // Each list_changed notes whether server `m` (the marker below) was in the catalog when it arrived.
    const changed = collect(client, 'notifications/tools/list_changed', () => gateway.catalog.tool('m__echo') !== undefined);
    const [inits, closed] = [front.initializes, expiries()];
    await expired(closed);
    const texts = await Promise.all(['x', 'y', 'z'].map((t) => callText(client, 'h__echo', { text: t })));
    expect(texts).toEqual(['h: x', 'h: y', 'h: z']);
    expect(front.initializes).toBe(inits + 1);
    // The marker: adding server `m` announces a list_changed on the same stream. One caused by the re-initialise
    // would have been sent before it, so it would be in `notes` as `false` (before `m` existed).
    const config = gatewayConfig(httpServer('h', front.url, { timeoutMs: 5000, connectTimeoutMs: 5000 }), httpServer('m', marker.url));
    expect(await gateway.reload(config)).toMatchObject({ added: ['m'], removed: [], restarted: [] });
    await waitUntil(() => changed.notes.includes(true), 10_000, "the marker list_changed (server 'm' added)");
    expect(changed.notes).toEqual([true]);
  });

  it('after the upstream restarts: the same, and the downstream session never notices', async () => {
    const { client } = run;
    await upstream.close();
    upstream = await buildUpstream('h').serveHttp({ port: 0, sessionIdleTtlMs: 60_000 });
    front.retarget(upstream.url);
    const inits = front.initializes;
    expect(await callText(client, 'h__echo', { text: 'restarted' })).toBe('h: restarted');
    expect(front.initializes).toBe(inits + 1);
    expect(await toolNames(client)).toContain('h__echo');
  });
});
