// A 2025-era Streamable HTTP upstream that forgets the gateway's session (idle expiry, or a restart) answers
// 404: the gateway re-initialises exactly once and the caller's request succeeds, on the same downstream session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpHandle } from '../../src/server/index.js';
import { callText, collect, gatewayConfig, httpServer, type Running, startGateway, toolNames, upstreamOf } from './fixtures/helpers.js';
import { type LegacyFront, legacyFront } from './fixtures/legacy-front.js';
import { buildUpstream } from './fixtures/upstream.js';

describe('HTTP upstream session gone', () => {
  let upstream: HttpHandle;
  let front: LegacyFront;
  let run: Running;
  beforeAll(async () => {
    upstream = await buildUpstream('h').serveHttp({ port: 0, sessionIdleTtlMs: 400 });
    // No standalone GET stream: an open one keeps a session from idling out, and these tests need it to.
    front = await legacyFront(upstream.url, { getStream: false });
    run = await startGateway(gatewayConfig(httpServer('h', front.url, { timeoutMs: 5000, connectTimeoutMs: 5000 })));
  });
  afterAll(async () => {
    await run?.close();
    await front?.close();
    await upstream?.close();
  });

  it('speaks the 2025 era to this upstream (the precondition for sessions)', () => {
    expect(upstreamOf(run.gateway, 'h')).toMatchObject({ state: 'up', era: 'legacy' });
    expect(front.initializes).toBe(1);
  });

  it('after idle expiry: a 404, one re-initialise, and the call succeeds', async () => {
    const { client } = run;
    expect(await callText(client, 'h__echo', { text: 'first' })).toBe('h: first');
    const [inits, gone] = [front.initializes, front.notFound];
    await new Promise((r) => setTimeout(r, 1200)); // well past the 400 ms idle TTL
    expect(await callText(client, 'h__echo', { text: 'after expiry' })).toBe('h: after expiry');
    expect(front.notFound).toBeGreaterThan(gone);
    expect(front.initializes).toBe(inits + 1);
    expect(await callText(client, 'h__echo', { text: 'again' })).toBe('h: again');
    expect(front.initializes).toBe(inits + 1);
    expect(upstreamOf(run.gateway, 'h')!.state).toBe('up');
  });

  it('concurrent calls that all meet the 404 share one re-initialise, without list_changed downstream', async () => {
    const { client } = run;
    const changed = collect(client, 'notifications/tools/list_changed');
    const inits = front.initializes;
    await new Promise((r) => setTimeout(r, 1200));
    const texts = await Promise.all(['x', 'y', 'z'].map((t) => callText(client, 'h__echo', { text: t })));
    expect(texts).toEqual(['h: x', 'h: y', 'h: z']);
    expect(front.initializes).toBe(inits + 1);
    await new Promise((r) => setTimeout(r, 300)); // a list_changed would arrive within this
    expect(changed.count).toBe(0);
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
