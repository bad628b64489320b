// The gate: requests the SDK answers itself (initialize, ping, logging/setLevel, discover, listen, unknown methods)
// pass the pipeline before they have any effect, in arrival order, and a refusal leaves nothing behind.
import { type Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode, type Middleware, WireError } from '../../src/core/index.js';
import { connectInMemory, createServer, type HttpHandle, type McplexServer, silentLogger } from '../../src/index.js';
import { connectHttp } from '../helpers/clients.js';
import { rawRequest } from '../helpers/http.js';

const refuse = (method: string): Middleware => async (ctx, next) => {
  if (ctx.method === method) throw new WireError(ErrorCode.Forbidden, `${method} refused by policy`);
  return next();
};

function serverWithLogs(): McplexServer {
  const server = createServer({ name: 'gate', version: '1.0.0', logger: silentLogger });
  server.tool('talk', { description: 'logs at info', input: z.object({}) }, async (_args, ctx) => {
    await ctx.log('info', 'an info line');
    return 'done';
  });
  return server;
}

let handle: HttpHandle | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  await handle?.close();
  client = undefined;
  handle = undefined;
});

it('creates no session when the pipeline refuses initialize', async () => {
  const server = serverWithLogs().use(refuse('initialize'));
  handle = await server.serveHttp({ port: 0, readinessDetail: 'full' });
  await expect(connectHttp(handle.url, 'legacy')).rejects.toThrow(/initialize refused by policy/);
  const ready = await rawRequest(handle.url.replace(/\/mcp$/, '/readyz'), { method: 'GET' });
  expect(JSON.parse(ready.text)).toMatchObject({ status: 'ready', sessions: 0 });
});

it('leaves the log level as it was when the pipeline refuses logging/setLevel', async () => {
  const server = serverWithLogs().use(refuse('logging/setLevel'));
  const logs: string[] = [];
  client = await connectInMemory(server);
  client.setNotificationHandler('notifications/message', (n) => {
    logs.push(String(n.params.data));
  });
  await expect(client.setLoggingLevel('error')).rejects.toThrow(/logging\/setLevel refused by policy/);
  // Had the level become 'error', the info line would have been filtered out.
  await client.callTool({ name: 'talk', arguments: {} });
  expect(logs).toEqual(['an info line']);
});

it('answers an unknown method through the pipeline, which sees it first', async () => {
  const seen: string[] = [];
  const server = serverWithLogs().use(async (ctx, next) => {
    seen.push(ctx.method);
    return next();
  });
  client = await connectInMemory(server);
  await expect(client.request({ method: 'vendor/thing', params: {} } as never, z.object({}))).rejects.toThrow(/Method not found/);
  expect(seen).toContain('vendor/thing');
});

it('keeps arrival order: a request after one being admitted waits for it', async () => {
  const order: string[] = [];
  let release: () => void = () => {};
  const pingHeld = new Promise<void>((r) => {
    release = r;
  });
  const server = serverWithLogs().use(
    async (ctx, next) => {
      if (ctx.method === 'ping') await pingHeld;
      return next();
    },
    async (ctx, next) => {
      order.push(ctx.method);
      return next();
    },
  );
  client = await connectInMemory(server);
  order.length = 0;
  const ping = client.ping();
  const list = client.listTools();
  // tools/list was sent after ping; it must not overtake ping while ping is held at the gate.
  setImmediate(release);
  await Promise.all([ping, list]);
  expect(order).toEqual(['ping', 'tools/list']);
});

it('refuses a second held request with the id of one still being admitted', async () => {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  let entered: () => void = () => {};
  const admitted = new Promise<void>((r) => {
    entered = r;
  });
  const server = serverWithLogs().use(async (ctx, next) => {
    if (ctx.method === 'ping') {
      entered();
      await held;
    }
    return next();
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const served = server.serveStdio({ transport: serverSide });
  const answers: Array<Record<string, unknown>> = [];
  clientSide.onmessage = (m) => answers.push(m as Record<string, unknown>);
  await clientSide.start();
  await clientSide.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  await clientSide.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  await clientSide.send({ jsonrpc: '2.0', id: 7, method: 'ping' });
  await admitted;
  await clientSide.send({ jsonrpc: '2.0', id: 7, method: 'ping' });
  release();
  const byId7 = () => answers.filter((a) => a.id === 7);
  await expect.poll(() => byId7().length).toBe(2);
  expect(byId7().map((a) => (a.error as { code?: number } | undefined)?.code)).toEqual([ErrorCode.InvalidRequest, undefined]);
  await served.close();
});

it('gives local connections the configured principal', async () => {
  const seen: string[] = [];
  const alice = { id: 'alice', kind: 'apiKey' as const, scopes: ['tools'], claims: {} };
  const server = createServer({ name: 'gate', version: '1.0.0', logger: silentLogger, localPrincipal: alice }).use(async (ctx, next) => {
    seen.push(`${ctx.method}:${ctx.principal.id}`);
    return next();
  });
  client = await connectInMemory(server);
  await client.listTools();
  expect(seen).toEqual(['initialize:alice', 'tools/list:alice']);
});
