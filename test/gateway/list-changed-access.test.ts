// list_changed under an access policy: a 2025-era session hears that a server's list changed only when its principal
// may list one of that server's items (as they were or as they are), so a caller is never told of, or sent
// re-listing for, servers it cannot see; a 2026-era listen stream the same, given who opened it. Real relay upstreams
// (stdio children), API keys, official SDK clients.
import type { Client } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import { connectWith } from '../middleware/auth-fixture.js';
import { collect } from './fixtures/helpers.js';
import { type RunningGateway, relayUpstream, startGateway, text } from './helpers/harness.js';
import { waitGone } from '../helpers/process.js';

const keys = { a: newApiKey(), b: newApiKey(), ops: newApiKey() };
const CHANGED = 'notifications/tools/list_changed';

describe('list_changed goes only to callers who may see the changed server', () => {
  let gateway: Gateway;
  let handle: HttpHandle;
  const clients: Client[] = [];
  const pids: number[] = [];

  beforeAll(async () => {
    const config = parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port: 0 },
        auth: { apiKeys: { [keys.a.hash]: { id: 'a', scopes: [] }, [keys.b.hash]: { id: 'b', scopes: [] }, [keys.ops.hash]: { id: 'ops', scopes: [] } } },
        policy: {
          access: {
            principals: {
              a: { capabilities: [{ resource: 'server:fw', actions: ['*'] }] },
              b: { capabilities: [{ resource: 'server:fw2', actions: ['*'] }] },
              ops: { capabilities: [{ resource: '*', actions: ['*'] }] },
            },
          },
        },
        servers: {},
      }),
      { format: 'yaml' },
    );
    gateway = new Gateway({ ...config, servers: { fw: relayUpstream('fw'), fw2: relayUpstream('fw2') } }, { logger: silentLogger, restart: { initialDelayMs: 50, maxDelayMs: 500 } });
    await gateway.start();
    pids.push(...gateway.health().upstreams.flatMap((u) => ('pid' in u && u.pid ? [u.pid] : [])));
    handle = await gateway.serveHttp({ port: 0 });
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await handle?.close();
    await gateway?.close();
    await waitGone(pids);
  });

  /**
   * A client as `who`, counting list_changed; `note` runs as each arrives (what the gateway held then). A 2025-era
   * one hears on its session, a 2026-era one on a listen stream it opens here.
   */
  const as = async (who: keyof typeof keys, note?: () => boolean, era: 'legacy' | 'modern' = 'legacy') => {
    const client = await connectWith(handle.url, era, { authorization: `Bearer ${keys[who].key}` });
    clients.push(client);
    const changed = collect(client, CHANGED, note);
    if (era === 'modern') await client.listen({ toolsListChanged: true });
    return { client, changed };
  };
  const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);

  it.each(['legacy', 'modern'] as const)('tells each caller of its own servers only; one who sees everything hears of both (%s)', async (era) => {
    const [a, b, ops] = [await as('a', undefined, era), await as('b', undefined, era), await as('ops', undefined, era)];
    expect((await names(a.client)).every((n) => n.startsWith('fw__'))).toBe(true);
    expect((await names(b.client)).every((n) => n.startsWith('fw2__'))).toBe(true);

    expect(text(await a.client.callTool({ name: 'fw__add_tool', arguments: { name: `one_${era}` } }))).toBe(`added one_${era}`);
    await a.changed.reached(1);
    await ops.changed.reached(1);

    // b's own server changes next: its notice follows any earlier one on b's stream, so b's count says it all.
    expect(text(await b.client.callTool({ name: 'fw2__add_tool', arguments: { name: `two_${era}` } }))).toBe(`added two_${era}`);
    await b.changed.reached(1);
    await ops.changed.reached(2);
    expect(b.changed.count).toBe(1);
    expect(await names(b.client)).toContain(`fw2__two_${era}`);

    // The same marker for a: had fw2's change reached it, it would have come before this one.
    expect(text(await a.client.callTool({ name: 'fw__add_tool', arguments: { name: `three_${era}` } }))).toBe(`added three_${era}`);
    await a.changed.reached(2);
    await ops.changed.reached(3);
    expect(a.changed.count).toBe(2);
    expect(await names(a.client)).toEqual(expect.arrayContaining([`fw__one_${era}`, `fw__three_${era}`]));
  }, 30_000);

  it('tells a caller when its server goes away (its items gone from the catalog), and nobody else', async () => {
    // Whether fw's tools were in the catalog when each notice reached a.
    const [a, b] = [await as('a', () => gateway.catalog.tool('fw__touch') !== undefined), await as('b')];
    await names(a.client);
    await names(b.client);
    const fw = gateway.health().upstreams.find((u) => u.name === 'fw');
    const pid = fw && 'pid' in fw ? fw.pid : undefined;
    expect(pid).toEqual(expect.any(Number));
    process.kill(pid!, 'SIGKILL');
    // Gone: its tools leave the list, and a hears of it before the restarted server is listed again (which it hears too).
    await a.changed.reached(1);
    expect(a.changed.notes[0]).toBe(false);
    await a.changed.reached(2);
    expect(a.changed.notes[1]).toBe(true);
    expect(text(await b.client.callTool({ name: 'fw2__add_tool', arguments: { name: 'marker' } }))).toBe('added marker');
    await b.changed.reached(1);
    expect(b.changed.count).toBe(1);
    pids.push(...gateway.health().upstreams.flatMap((u) => ('pid' in u && u.pid ? [u.pid] : [])));
  }, 30_000);
});

describe('list_changed goes only to endpoints whose view shows the changed server', () => {
  let running: RunningGateway;
  beforeAll(async () => {
    const config = parseConfig(stringify({ listen: { host: '127.0.0.1', port: 0 }, endpoints: { one: { include: 'server:fw' }, two: { include: 'server:fw2' } }, servers: {} }), { format: 'yaml' });
    running = await startGateway({ ...config, servers: { fw: relayUpstream('fw'), fw2: relayUpstream('fw2') } });
  }, 60_000);
  afterAll(() => running?.close());

  const at = async (path: string) => {
    const client = await running.connect('legacy', { path });
    // Its endpoint is known once it has made a request.
    await client.listTools();
    return { client, changed: collect(client, CHANGED) };
  };

  it('tells each endpoint of its own servers only; the main path hears of both', async () => {
    const [one, two, main] = [await at('/one/mcp'), await at('/two/mcp'), await at('/mcp')];
    expect(text(await one.client.callTool({ name: 'fw__add_tool', arguments: { name: 'one' } }))).toBe('added one');
    await one.changed.reached(1);
    await main.changed.reached(1);
    // two's own server changes next: its notice follows any earlier one on its stream, so its count says it all.
    expect(text(await two.client.callTool({ name: 'fw2__add_tool', arguments: { name: 'two' } }))).toBe('added two');
    await two.changed.reached(1);
    await main.changed.reached(2);
    expect(two.changed.count).toBe(1);
    expect(text(await one.client.callTool({ name: 'fw__add_tool', arguments: { name: 'three' } }))).toBe('added three');
    await one.changed.reached(2);
    expect(one.changed.count).toBe(2);
    expect((await one.client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['fw__one', 'fw__three']));
  }, 30_000);
});
