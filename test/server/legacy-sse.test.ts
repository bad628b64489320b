// A framework server also serves the legacy HTTP+SSE transport (2024-11-05) beside each MCP path: the official SDK
// v2 client's SSEClientTransport calls its tools at /sse and at a named endpoint's /<path>/sse (the request carries
// that endpoint's name); a call in flight on such a session is answered before close() ends it; an endpoint whose path
// is an SSE path is refused when serving starts (unless legacySse is off).
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type HttpHandle, silentLogger } from '../../src/index.js';

function build(slow?: Promise<void>, started?: () => void) {
  const server = createServer({ name: 'sse-paths', version: '1.0.0', logger: silentLogger });
  server.tool('where', { description: 'which endpoint was called' }, (_args, ctx) => ctx.call.endpoint ?? 'main');
  server.tool('slow', { description: 'answers once released', input: z.object({}) }, async () => {
    started?.();
    await slow;
    return 'done';
  });
  return server;
}

async function sseClient(url: string): Promise<Client> {
  const client = new Client({ name: 'sse-test', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(url)));
  return client;
}

const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;

describe('serveHttp: the legacy SSE transport', () => {
  let handle: HttpHandle;
  let origin: string;
  beforeAll(async () => {
    handle = await build().serveHttp({ port: 0, endpoints: [{ name: 'ops', path: '/ops' }] });
    origin = new URL(handle.url).origin;
  });
  afterAll(() => handle?.close());

  it('serves the main path at /sse and an endpoint at its own /sse, each request carrying its endpoint', async () => {
    const main = await sseClient(`${origin}/sse`);
    const ops = await sseClient(`${origin}/ops/sse`);
    try {
      expect(text(await main.callTool({ name: 'where', arguments: {} }))).toBe('main');
      expect(text(await ops.callTool({ name: 'where', arguments: {} }))).toBe('ops');
      expect(handle.sessions.report().filter((s) => s.transport === 'sse').map((s) => s.endpoint ?? 'main').sort()).toEqual(['main', 'ops']);
    } finally {
      await Promise.all([main.close(), ops.close()]);
    }
  });

  it('refuses an endpoint on an SSE path, naming the way out', async () => {
    await expect(build().serveHttp({ port: 0, endpoints: [{ name: 'x', path: '/sse' }] })).rejects.toThrow(
      /endpoint 'x': path '\/sse' is already the legacy SSE stream of the MCP path; choose another, or set legacySse: false/,
    );
    await expect(build().serveHttp({ port: 0, endpoints: [{ name: 'x', path: '/x/mcp' }, { name: 'y', path: '/x/messages' }] })).rejects.toThrow(
      /endpoint 'y': path '\/x\/messages' is already the legacy SSE messages path of endpoint 'x'/,
    );
    const off = await build().serveHttp({ port: 0, legacySse: false, endpoints: [{ name: 'x', path: '/sse' }] });
    await off.close();
  });
});

it('close() lets a call in flight on an SSE session finish before ending it', async () => {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const handle = await build(new Promise<void>((r) => (release = r)), started).serveHttp({ port: 0 });
  const client = await sseClient(`${new URL(handle.url).origin}/sse`);
  const answer = client.callTool({ name: 'slow', arguments: {} });
  await running;
  let closed = false;
  const closing = handle.close().then(() => (closed = true));
  // The listener waits for the call (not for its POST, long answered 202).
  await new Promise((r) => setImmediate(r));
  expect(closed).toBe(false);
  release();
  expect(text(await answer)).toBe('done');
  await closing;
  expect(handle.sessionCount()).toBe(0);
  await client.close();
});
