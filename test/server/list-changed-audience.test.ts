// A framework server's tools registered while serving: a 2025-era session hears list_changed only when its
// principal may list the new item (access rules) and its endpoint shows it (endpointViews): the same rule as the
// gateway's, through one seam (`ChangeAudience`). A 2026-era listen stream follows the same rule, given who opened
// it. API keys, two paths, official SDK clients.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { access, createAuthenticator, createServer, endpointViews, type HttpHandle, type McplexServer, newApiKey, silentLogger } from '../../src/index.js';
import { collect } from '../gateway/fixtures/helpers.js';
import { connectWith } from '../middleware/auth-fixture.js';

const keys = { a: newApiKey(), b: newApiKey() };
const CHANGED = 'notifications/tools/list_changed';

describe('list_changed from the framework registry goes to whom may see the item', () => {
  let server: McplexServer;
  let handle: HttpHandle;
  const clients: Client[] = [];
  let marker = false;

  beforeAll(async () => {
    server = createServer({ name: 'audience', version: '1.0.0', logger: silentLogger });
    server.use(
      access({
        principals: {
          a: { capabilities: [{ resource: 'tool:a_*', actions: ['*'] }] },
          b: { capabilities: [{ resource: 'tool:b_*', actions: ['*'] }] },
        },
      }),
      endpointViews({ public: { include: ['tool:*_public'] } }),
    );
    const auth = createAuthenticator({ apiKeys: { [keys.a.hash]: { id: 'a' }, [keys.b.hash]: { id: 'b' } } });
    handle = await server.serveHttp({ port: 0, auth, endpoints: [{ name: 'public', path: '/public/mcp' }] });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await handle?.close();
  });

  /** A 2025-era session, or (modern) a client with a listen stream open for tool list changes. */
  const as = async (who: keyof typeof keys, path = '/mcp', era: 'legacy' | 'modern' = 'legacy') => {
    const client = await connectWith(new URL(path, handle.url).href, era, { authorization: `Bearer ${keys[who].key}` });
    clients.push(client);
    const changed = collect(client, CHANGED, () => marker);
    // A session's principal and endpoint are known once it has made a request; a stream's once it is acknowledged.
    if (era === 'legacy') await client.listTools();
    else await client.listen({ toolsListChanged: true });
    return { client, changed };
  };
  const add = (name: string) => server.tool(name, { description: name }, () => name);

  it.each(['legacy', 'modern'] as const)('tells a principal of tools it may list, on an endpoint that shows them (%s)', async (era) => {
    marker = false;
    const [a, b, aPublic] = [await as('a', '/mcp', era), await as('b', '/mcp', era), await as('a', '/public/mcp', era)];
    add(`b_one_${era}`);
    await b.changed.reached(1);
    add(`a_two_${era}`);
    await a.changed.reached(1);
    add(`a_three_${era}_public`);
    await a.changed.reached(2);
    await aPublic.changed.reached(1);
    // Markers: each stream delivers in order, so a notice about an earlier tool would come before the marker's.
    marker = true;
    add(`b_marker_${era}`);
    add(`a_marker_${era}_public`);
    await b.changed.reached(2);
    await a.changed.reached(3);
    await aPublic.changed.reached(2);
    expect(b.changed.notes).toEqual([false, true]);
    expect(a.changed.notes).toEqual([false, false, true]);
    expect(aPublic.changed.notes).toEqual([false, true]);
    const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).filter((n) => n.endsWith(era) || n.includes(`_${era}_`)).sort();
    expect(await names(b.client)).toEqual([`b_marker_${era}`, `b_one_${era}`]);
    expect(await names(aPublic.client)).toEqual([`a_marker_${era}_public`, `a_three_${era}_public`]);
  });
});
