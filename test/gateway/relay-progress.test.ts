// Progress, cancellation and logging through the gateway, for callers of both eras, from a 2025-era peer
// (server-everything) and a 2026-era framework upstream: the caller's token, the caller's cancel, the caller's level.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { everything, relayUpstream, type RunningGateway, startGateway, text, waitFor, type WireMessage } from './helpers/harness.js';

const Loose = z.looseObject({});
const LOG_LEVEL = 'io.modelcontextprotocol/logLevel';

describe.each(['legacy', 'modern'] as const)('%s caller', (era) => {
  let gw: RunningGateway;
  let client: Client;
  const wire: WireMessage[] = [];

  beforeAll(async () => {
    gw = await startGateway([everything(), relayUpstream()]);
    client = await gw.connect(era, { wire });
    client.onerror = () => {}; // progress for a token the SDK did not mint itself is reported here
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
  }, 30_000);

  const call = (name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}, signal?: AbortSignal) =>
    client.request({ method: 'tools/call', params: { name, arguments: args, _meta: meta } }, Loose, signal && { signal });
  const sent = (method: string, pick: (m: WireMessage) => boolean) => wire.filter((m) => m.method === method && pick(m)).map((m) => m.params);

  it('relays a 2026-era upstream’s progress under the caller’s token (the upstream saw the gateway’s own)', async () => {
    const token = `tok-${era}-fw`;
    const result = await call('fw__progress', {}, { progressToken: token });
    expect(text(result)).toMatch(/^upstream saw token \d+$/);
    expect(sent('notifications/progress', (m) => m.params?.progressToken === token)).toEqual([1, 2, 3].map((n) => ({ progress: n, total: 3, message: `step ${n}`, progressToken: token })));
  });

  it('relays server-everything’s long-running operation progress under the caller’s token', async () => {
    const token = `tok-${era}-ev`;
    const result = await call('ev__trigger-long-running-operation', { duration: 0.3, steps: 3 }, { progressToken: token });
    expect(text(result)).toBe('Long running operation completed. Duration: 0.3 seconds, Steps: 3.');
    expect(sent('notifications/progress', (m) => m.params?.progressToken === token)).toEqual([1, 2, 3].map((n) => ({ progress: n, total: 3, progressToken: token })));
  });

  it('progress reaches the SDK’s own onprogress callback, call after call', async () => {
    for (let i = 0; i < 3; i++) {
      const seen: number[] = [];
      await client.callTool({ name: 'fw__progress', arguments: {} }, { onprogress: (p) => seen.push(p.progress) });
      expect(seen).toEqual([1, 2, 3]);
    }
  });

  it('relays upstream log messages to the calling client, named after the upstream, at the caller’s level', async () => {
    const logs = (tag: string) => sent('notifications/message', (m) => (m.params?.data as { tag?: string } | undefined)?.tag === tag);
    if (era === 'legacy') {
      expect(text(await call('fw__log', { tag: 'all' }))).toBe('logged all');
      expect(logs('all')).toEqual([
        { level: 'debug', logger: 'fw', data: { tag: 'all', n: 1 } },
        { level: 'info', logger: 'fw', data: { tag: 'all', n: 2 } },
        { level: 'error', logger: 'fw', data: { tag: 'all', n: 3 } },
      ]);
      await client.setLoggingLevel('warning');
      expect(text(await call('fw__log', { tag: 'warn' }))).toBe('logged warn');
      expect(logs('warn')).toEqual([{ level: 'error', logger: 'fw', data: { tag: 'warn', n: 3 } }]);
    } else {
      // 2026-07-28: no logs unless the request asks for them, at the level it names.
      expect(text(await call('fw__log', { tag: 'none' }))).toBe('logged none');
      expect(text(await call('fw__log', { tag: 'info' }, { [LOG_LEVEL]: 'info' }))).toBe('logged info');
      expect(logs('none')).toEqual([]);
      expect(logs('info')).toEqual([
        { level: 'info', logger: 'fw', data: { tag: 'info', n: 2 } },
        { level: 'error', logger: 'fw', data: { tag: 'info', n: 3 } },
      ]);
    }
  });

  // Last: the cancelled call keeps ownership of what its stdio upstream sends for a grace period (relay.ts).
  it('propagates the caller’s cancellation to the upstream handler', async () => {
    const id = `cancel-${era}`;
    const state = async () => JSON.parse(text(await call('fw__cancellations', {}))) as { started: string[]; cancelled: string[] };
    const ac = new AbortController();
    const pending = call('fw__wait_cancel', { id }, {}, ac.signal).then(
      () => 'resolved',
      (e: Error) => `rejected: ${e.message}`,
    );
    await waitFor('the upstream to start the call', async () => ((await state()).started.includes(id) ? true : undefined));
    expect((await state()).cancelled).not.toContain(id);
    ac.abort('user pressed stop');
    expect(await pending).toBe('rejected: user pressed stop');
    await waitFor('the upstream to see the cancellation', async () => ((await state()).cancelled.includes(id) ? true : undefined));
    // The gateway still serves the same caller afterwards.
    expect(text(await call('ev__echo', { message: 'after cancel' }))).toBe('Echo: after cancel');
  });
});
