// Upstreams that do not quite follow 2026-07-28, through the gateway: a `protocol:` pin per server, results without
// `resultType` relayed as complete, a reply that is not JSON reported as a bad reply (not "unavailable"), and a listen
// that is never acknowledged neither delaying start-up nor going unreported.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigInvalidError, parseConfig } from '../../src/gateway/config/index.js';
import { capturingLogger } from '../client/helpers.js';
import { http, type RunningGateway, startGateway, text, waitFor } from './helpers/harness.js';
import { type RawUpstream, startRawUpstream } from './helpers/raw-modern-upstream.js';

const log = capturingLogger();
let auto: RawUpstream;
let pinned: RawUpstream;
let gw: RunningGateway;
let listenAtStart: unknown;
let clients: Record<'legacy' | 'modern', Client>;

const listenOf = () => gw.gateway.health().upstreams.find((u) => u.name === 'auto') as { listen?: string; listenError?: string; state: string };

beforeAll(async () => {
  [auto, pinned] = await Promise.all([startRawUpstream(), startRawUpstream()]);
  // The listen's acknowledgement is awaited for the connect timeout, in the background.
  gw = await startGateway([http('auto', auto.url, { connectTimeoutMs: 4000 }), http('pinned', pinned.url, { protocol: '2025-11-25' })], { logger: log });
  listenAtStart = listenOf().listen;
  clients = { legacy: await gw.connect('legacy'), modern: await gw.connect('modern') };
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await Promise.all([auto?.close(), pinned?.close()]);
}, 30_000);

describe('protocol: pins an upstream’s revision', () => {
  it('a server pinned to 2025-11-25 is spoken to with initialize only; the unpinned one negotiates 2026-07-28', () => {
    expect(pinned.seen.some((s) => s.method === 'server/discover' || s.era === 'modern')).toBe(false);
    expect(pinned.seen.find((s) => s.method === 'initialize')?.params.protocolVersion).toBe('2025-11-25');
    expect(auto.seen[0]).toMatchObject({ method: 'server/discover', era: 'modern' });
    const eras = Object.fromEntries(gw.gateway.health().upstreams.map((u) => [u.name, [u.era, u.protocolVersion]]));
    expect(eras).toEqual({ auto: ['modern', '2026-07-28'], pinned: ['legacy', '2025-11-25'] });
  });

  it('the setting defaults to auto, accepts exact revisions and names the field for anything else', () => {
    const parse = (extra: string) => parseConfig(`servers: { s: { url: "http://127.0.0.1:1/mcp"${extra} } }`, { format: 'yaml', env: {} });
    expect(parse('').servers.s).not.toHaveProperty('protocol'); // the upstream negotiates ('auto')
    expect(parse(', protocol: auto').servers.s?.protocol).toBe('auto');
    expect(parse(', protocol: "2025-06-18"').servers.s?.protocol).toBe('2025-06-18');
    let issues: string[] = [];
    try {
      parse(', protocol: "2025-13-01"');
    } catch (err) {
      issues = (err as ConfigInvalidError).issues;
    }
    expect(issues).toEqual([expect.stringMatching(/^servers\.s\.protocol: expected auto or one of 2026-07-28, 2025-11-25/)]);
  });
});

describe.each(['legacy', 'modern'] as const)('a %s caller', (era) => {
  it('gets a 2026-era upstream’s tools/call result that omits resultType as complete, and a clear error when it cannot be', async () => {
    expect(text(await clients[era].callTool({ name: 'auto__no_result_type', arguments: {} }))).toBe('no_result_type (modern)');
    expect(log.entries.some((e) => e.level === 'warn' && String(e.msg).includes('sent a result without resultType'))).toBe(true);
    // Input requests without resultType cannot be relayed faithfully (complete or not?): an error naming both.
    const err = await clients[era].callTool({ name: 'auto__no_result_type_asks', arguments: {} }).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/Server 'auto' .*missing required resultType/);
  });

  it('gets the pinned upstream’s result over 2025-11-25', async () => {
    expect(text(await clients[era].callTool({ name: 'pinned__no_result_type', arguments: {} }))).toBe('no_result_type (legacy)');
  });

  it('is told a reply that is not JSON is a bad reply (-32015, naming the server), not that the server is unavailable', async () => {
    const err = await clients[era].callTool({ name: 'auto__bad_json', arguments: {} }).then(
      () => undefined,
      (e: { code: number; message: string }) => e,
    );
    expect(err?.code).toBe(-32015);
    expect(err?.message).toContain("Server 'auto' sent a reply that cannot be used: ");
    // The server is up: the next call works.
    expect(text(await clients[era].callTool({ name: 'auto__plain', arguments: {} }))).toBe('plain (modern)');
  });
});

describe('a listen that is never acknowledged', () => {
  it('does not hold start-up: the gateway was ready with the listen still opening and the tools listed', async () => {
    await auto.listenArrived;
    expect(listenAtStart).toBe('opening');
    expect(auto.seen.some((s) => s.method === 'tools/list')).toBe(true);
  });

  it('is reported when it fails: in health and in the log', async () => {
    const failed = await waitFor('the listen to fail', () => (listenOf().listen === 'failed' ? listenOf() : undefined), 25_000);
    expect(failed).toMatchObject({ state: 'up', listen: 'failed', listenError: expect.stringContaining('ack timed out') });
    expect(log.entries.some((e) => e.level === 'warn' && String(e.msg).includes('its subscriptions/listen failed'))).toBe(true);
  });
});
