// cache + dedup in a framework server over real HTTP, with the official SDK client in both eras: one principal's
// entries serve it in either era, and never another principal (the principal comes from a test header here).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type HttpHandle, type Middleware, silentLogger } from '../../src/index.js';
import { cache, dedup } from '../../src/middleware/index.js';
import { MemoryCacheStore } from '../../src/stores/memory/memory-cache-store.js';
import { waitUntil } from '../helpers/process.js';
import { TasksClient } from '../helpers/tasks-client.js';

/** Test-only edge stand-in: the principal named by x-test-user. */
const identify: Middleware = (ctx, next) => {
  const user = ctx.http?.headers.get('x-test-user');
  if (user) ctx.principal = { id: user, kind: 'apiKey', scopes: [], claims: {} };
  return next();
};

let handle: HttpHandle;
let n = 0;
let reports = 0;
let open: () => void = () => {};
const gate = new Promise<void>((r) => (open = r));
const clients: Client[] = [];

async function connect(user: string, era: 'legacy' | 'modern'): Promise<Client> {
  const client = new Client({ name: `cache-${user}`, version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  await client.connect(new StreamableHTTPClientTransport(new URL(handle.url), { requestInit: { headers: { 'x-test-user': user } } }));
  clients.push(client);
  return client;
}
const text = async (client: Client, key: string) => {
  const res = await client.callTool({ name: 'lookup', arguments: { key } });
  return (res.content as Array<{ text: string }>)[0]!.text;
};

beforeAll(async () => {
  const server = createServer({ name: 'cache-framework', version: '1.0.0', logger: silentLogger });
  server.tool('lookup', { description: 'Counts', input: z.object({ key: z.string() }), annotations: { readOnlyHint: true } }, ({ key }) => `${key} #${++n}`);
  server.tool(
    'report',
    { description: 'Runs in its request for 2 s, then as a task', input: z.object({}), annotations: { readOnlyHint: true }, task: { support: 'optional', immediateMs: 2000 } },
    async () => {
      reports++;
      await gate;
      return 'report done';
    },
  );
  const cached = cache({ store: new MemoryCacheStore(), readOnly: (tool) => tool === 'lookup' || tool === 'report' });
  server.use(identify, cached, dedup({ policy: cached.policy }));
  handle = await server.serveHttp({ port: 0 });
});
afterAll(async () => {
  open();
  await Promise.allSettled(clients.map((c) => c.close()));
  await handle?.close();
});

describe('cache in a framework server', () => {
  it('serves a principal its own entry in both eras, and never another principal', async () => {
    const aliceLegacy = await connect('alice', 'legacy');
    const aliceModern = await connect('alice', 'modern');
    const bobModern = await connect('bob', 'modern');
    const bobLegacy = await connect('bob', 'legacy');
    expect(await text(aliceLegacy, 'k')).toBe('k #1');
    expect(await text(aliceModern, 'k')).toBe('k #1');
    expect(await text(bobModern, 'k')).toBe('k #2');
    expect(await text(bobLegacy, 'k')).toBe('k #2');
    expect(await text(aliceModern, 'other')).toBe('other #3');
    expect(n).toBe(3);
  });
});

describe('dedup and tasks', () => {
  it('never hands one caller the task another call made: an identical call in flight that becomes a task is not shared', async () => {
    const alice = new TasksClient(handle.url, { headers: { 'x-test-user': 'alice' } });
    const first = alice.ok('tools/call', { name: 'report', arguments: {} });
    await waitUntil(() => reports === 1 || undefined, 5000, 'the first report to start');
    const second = alice.ok('tools/call', { name: 'report', arguments: {} });
    const [one, two] = await Promise.all([first, second]);
    expect(one).toMatchObject({ resultType: 'task' });
    expect(two).toMatchObject({ resultType: 'task' });
    expect(two.taskId).not.toBe(one.taskId);
    expect(reports).toBe(2);
    open();
    for (const t of [one, two]) expect(await alice.settled(String(t.taskId))).toMatchObject({ status: 'completed', result: { content: [{ text: 'report done' }] } });
  });
});
