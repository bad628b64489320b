// A framework server's tools registered while serving: a 2025-era session hears list_changed only when its
// principal may list the new item (access rules) and its endpoint shows it (endpointViews): the same rule as the
// gateway's, through one seam (`ChangeAudience`). API keys, two paths, official SDK clients.
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

  const as = async (who: keyof typeof keys, path = '/mcp') => {
    const client = await connectWith(new URL(path, handle.url).href, 'legacy', { authorization: `Bearer ${keys[who].key}` });
    clients.push(client);
    // Its principal and endpoint are known once it has made a request.
    await client.listTools();
    return { client, changed: collect(client, CHANGED, () => marker) };
  };
  const add = (name: string) => server.tool(name, { description: name }, () => name);

  it('tells a principal of tools it may list, on an endpoint that shows them', async () => {
    const [a, b, aPublic] = [await as('a'), await as('b'), await as('a', '/public/mcp')];
    add('b_one');
    await b.changed.reached(1);
    add('a_two');
    await a.changed.reached(1);
    add('a_three_public');
    await a.changed.reached(2);
    await aPublic.changed.reached(1);
    // Markers: each stream delivers in order, so a notice about an earlier tool would come before the marker's.
    marker = true;
    add('b_marker');
    add('a_marker_public');
    await b.changed.reached(2);
    await aPublic.changed.reached(2);
    expect(b.changed.notes).toEqual([false, true]);
    expect(aPublic.changed.notes).toEqual([false, true]);
    expect((await b.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['b_marker', 'b_one']);
    expect((await aPublic.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['a_marker_public', 'a_three_public']);
  });
});
