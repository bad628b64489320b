// The legacy HTTP+SSE transport (2024-11-05) served beside the MCP path, for clients that speak nothing newer: the
// official SDK v1 client's SSEClientTransport lists and calls tools of a real upstream (server-everything), hears its
// progress and answers its sampling request, all on its one stream, at /sse or given /mcp itself; API keys and the session's principal hold as on
// /mcp; a named endpoint's /<name>/sse shows its subset; the admin sees and closes such a session; a raw client gets
// the wire's errors (no session id, an unknown one, a wrong method, an oversize body, a second initialize) and
// batches once a 2024-11-05 session is initialized; `listen.legacySse: false` serves none.
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Gateway, type HttpHandle, newApiKey, parseConfig, silentLogger } from '../../src/index.js';
import { waitUntil } from '../helpers/process.js';
import { EVERYTHING, text } from './helpers/harness.js';
import { openSse } from './helpers/sse-stream.js';

const agent = newApiKey();
const other = newApiKey();
const dir = mkdtempSync(join(tmpdir(), 'legacy-sse-'));

async function start(listen: Record<string, unknown> = {}) {
  const config = parseConfig(
    stringify({
      listen: { host: '127.0.0.1', port: 0, maxBodyBytes: 64 * 1024, ...listen },
      auth: { apiKeys: { [agent.hash]: { id: 'agent', scopes: ['mcplex:admin'] }, [other.hash]: { id: 'other' } } },
      servers: { ev: { command: process.execPath, args: [EVERYTHING, 'stdio'] } },
      endpoints: { calc: { include: 'tool:ev__get-sum' } },
    }),
    { format: 'yaml' },
  );
  const gateway = new Gateway(config, { logger: silentLogger });
  await gateway.start();
  const handle: HttpHandle = await gateway.serveHttp({ port: 0 });
  return { gateway, handle, origin: new URL(handle.url).origin };
}

const auth = (key = agent.key) => ({ authorization: `Bearer ${key}` });

describe('legacy HTTP+SSE transport', () => {
  let gw: Awaited<ReturnType<typeof start>>;
  const clients: V1Client[] = [];

  /** The SDK v1 client over SSEClientTransport, the way a client of 2024-11-05 servers connects. */
  async function v1(path = '/sse', capabilities: Record<string, unknown> = {}): Promise<{ client: V1Client; transport: SSEClientTransport }> {
    const client = new V1Client({ name: 'old-ide', version: '0.9.0' }, { capabilities });
    const headers = auth();
    // Its requestInit headers go on the stream's GET and on every POST.
    const transport = new SSEClientTransport(new URL(path, gw.origin), { requestInit: { headers } });
    if (capabilities.sampling) {
      client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
        role: 'assistant',
        model: 'test-model',
        content: { type: 'text', text: `sampled: ${(req.params.messages[0]!.content as { text: string }).text}` },
      }));
    }
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  beforeAll(async () => {
    gw = await start();
  }, 60_000);
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await gw?.handle.close();
    await gw?.gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('the SDK v1 SSE client lists and calls tools, hears progress and answers sampling on its one stream', async () => {
    const { client } = await v1('/sse', { sampling: {} });
    expect(client.getServerVersion()?.name).toBe('mcplex-gateway');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('ev__get-sum');
    expect(names).toContain('ev__trigger-sampling-request');
    expect(text(await client.callTool({ name: 'ev__get-sum', arguments: { a: 2, b: 3 } }))).toBe('The sum of 2 and 3 is 5.');
    const progress: number[] = [];
    await client.callTool({ name: 'ev__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    // The third comes on the wire before the result (the raw client below sees them in order); the SDK v1 client
    // drops its handler with the result, before that last one reaches it.
    expect(progress.slice(0, 2)).toEqual([1, 2]);
    const sampled = await client.callTool({ name: 'ev__trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 5 } });
    expect(JSON.stringify(sampled)).toContain('sampled: Resource trigger-sampling-request context: hello');
  }, 30_000);

  it('many SSE clients at once each hear only their own answers, while stray POSTs are refused', async () => {
    const stray = Array.from({ length: 10 }, () => fetch(`${gw.origin}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth() }, body: '{}' }).then((r) => r.status));
    const many = await Promise.all(Array.from({ length: 12 }, () => v1('/sse')));
    const sums = await Promise.all(many.map(({ client }, i) => client.callTool({ name: 'ev__get-sum', arguments: { a: i, b: 100 } }).then(text)));
    expect(sums).toEqual(many.map((_, i) => `The sum of ${i} and 100 is ${i + 100}.`));
    expect(await Promise.all(stray)).toEqual(Array(10).fill(400));
    await Promise.all(many.map(({ client }) => client.close()));
  }, 30_000);

  it('a named endpoint serves its subset at /<name>/sse', async () => {
    const { client } = await v1('/calc/sse');
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['ev__get-sum']);
  }, 30_000);

  it('a legacy SSE client given the MCP URL itself is served there too (one URL for every client)', async () => {
    const { client } = await v1('/mcp');
    expect(text(await client.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 2 } }))).toBe('The sum of 1 and 2 is 3.');
    const { client: calc } = await v1('/calc/mcp');
    expect((await calc.listTools()).tools.map((t) => t.name)).toEqual(['ev__get-sum']);
    // A Streamable HTTP GET (a session or protocol version named), or one that asks for no stream, is not taken for one.
    for (const headers of <Record<string, string>[]>[{ accept: 'text/event-stream', 'mcp-protocol-version': '2025-11-25' }, { accept: 'application/json' }]) {
      const res = await fetch(`${gw.origin}/mcp`, { headers: { ...auth(), ...headers } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('Mcp-Session-Id header is required') } });
    }
  }, 30_000);

  it('needs the same credentials as /mcp, and a session answers only the principal that opened it', async () => {
    const refused = await fetch(`${gw.origin}/sse`, { headers: { accept: 'text/event-stream' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const stream = await openSse(`${gw.origin}/sse`, auth());
    const endpoint = (await stream.next((e) => e.event === 'endpoint')).data;
    expect(endpoint).toMatch(/^\/messages\?sessionId=[0-9a-f-]{36}$/);
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const post = (body: unknown, key = agent.key, path = endpoint) => fetch(new URL(path, gw.origin), { method: 'POST', headers: { 'content-type': 'application/json', ...auth(key) }, body: JSON.stringify(body) });
    const foreign = await post(init, other.key);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ error: { code: -32001, message: expect.stringContaining('Session not found') } });
    const accepted = await post(init);
    expect(accepted.status).toBe(202);
    expect(await stream.answer(1)).toMatchObject({ result: { protocolVersion: '2024-11-05', serverInfo: { name: 'mcplex-gateway' } } });
    stream.close();
  }, 30_000);

  it('a raw client gets clear errors, and batches once a 2024-11-05 session is initialized', async () => {
    const stream = await openSse(`${gw.origin}/sse`, auth());
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');
    const endpoint = (await stream.next((e) => e.event === 'endpoint')).data;
    const post = (body: string, path = endpoint, headers: Record<string, string> = {}) =>
      fetch(new URL(path, gw.origin), { method: 'POST', headers: { 'content-type': 'application/json', ...auth(), ...headers }, body });
    const expectError = async (res: Response, status: number, code: number, message: RegExp) => {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error: { code, message: expect.stringMatching(message) } });
    };
    // A page elsewhere (DNS rebinding) is refused on both paths, as on /mcp.
    await expectError(await fetch(`${gw.origin}/sse`, { headers: { ...auth(), origin: 'http://evil.example' } }), 403, -32600, /Origin/);
    await expectError(await post('{}', endpoint, { origin: 'http://evil.example' }), 403, -32600, /Origin/);
    await expectError(await post('{}', '/messages'), 400, -32600, /sessionId is required/);
    await expectError(await post('{}', '/messages?sessionId=0b7f4a8e-0000-4000-8000-000000000000'), 404, -32001, /Session not found/);
    await expectError(await fetch(`${gw.origin}/sse`, { method: 'POST', headers: auth() }), 405, -32600, /GET opens a legacy SSE stream/);
    await expectError(await fetch(new URL(endpoint, gw.origin), { headers: auth() }), 405, -32600, /POST messages here; GET \/sse opens the stream/);
    await expectError(await post('x'.repeat(70 * 1024)), 413, -32600, /too large/);
    await expectError(await post('{', endpoint), 400, -32700, /Parse error/);
    await expectError(await post('{"a":1}', endpoint, { 'content-type': 'text/plain' }), 415, -32600, /Content-Type must be application\/json/);
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    await expectError(await post(JSON.stringify([init])), 400, -32600, /batches are accepted only once/);
    expect((await post(JSON.stringify(init))).status).toBe(202);
    expect(await stream.answer(1)).toMatchObject({ result: { protocolVersion: '2024-11-05' } });
    await expectError(await post(JSON.stringify({ ...init, id: 2 })), 400, -32600, /already initialized/);
    expect((await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))).status).toBe(202);
    const batch = [
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ev__get-sum', arguments: { a: 1, b: 1 } } },
      { jsonrpc: '2.0', id: 4, method: 'ping' },
    ];
    expect((await post(JSON.stringify(batch))).status).toBe(202);
    expect(await stream.answer(3)).toMatchObject({ result: { content: [{ type: 'text', text: 'The sum of 1 and 1 is 2.' }] } });
    expect(await stream.answer(4)).toMatchObject({ result: {} });
    // A request whose id is still in flight is answered on the stream with an error; the first is answered as usual.
    const slow = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'ev__trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 } } };
    expect((await post(JSON.stringify(slow))).status).toBe(202);
    expect((await post(JSON.stringify(slow))).status).toBe(202);
    expect(await stream.answer(5)).toMatchObject({ error: { code: -32600, message: expect.stringContaining('duplicate request id 5') } });
    await stream.next((e) => e.event === 'message' && (JSON.parse(e.data) as { result?: unknown; id?: unknown }).id === 5 && 'result' in JSON.parse(e.data));
    stream.close();
  }, 30_000);

  it('the admin sees the session as sse; once it is closed, its client is told so', async () => {
    const { client } = await v1('/sse');
    const report = await waitUntil(() => gw.handle.sessions.report().find((s) => s.clientInfo?.name === 'old-ide' && s.transport === 'sse' && s.protocolVersion), 5_000, 'the SSE session listed');
    expect(report).toMatchObject({ principal: 'agent', listening: true, transport: 'sse', protocolVersion: expect.stringMatching(/^20\d\d-/) });
    expect(gw.handle.sessions.close(report.id)).toBe(true);
    expect(gw.handle.sessions.report().some((s) => s.id === report.id)).toBe(false);
    await expect(client.listTools()).rejects.toThrow(/404|Session not found/);
    // Its EventSource reconnects by itself (SDK v1 sends no Last-Event-ID) and lands on a new session it never
    // initialized: that one answers only initialize and ping, and says why.
    const fresh = await waitUntil(() => gw.handle.sessions.report().find((s) => s.transport === 'sse' && s.principal === 'agent' && !s.protocolVersion && s.id !== report.id), 10_000, 'the reconnection');
    expect(fresh.listening).toBe(true);
    // Once its endpoint event is in, the client's requests go there.
    const refusal = await waitUntil(() => client.listTools().then(() => 'answered', (e: Error) => (/404/.test(e.message) ? undefined : e.message)), 5_000, 'the new endpoint used');
    expect(refusal).toMatch(/not initialized .*reconnect and initialize/);
    await expect(client.ping()).resolves.toEqual({});
  }, 30_000);

  it('a stream reopened with Last-Event-ID (an EventSource coming back) is told its session ended', async () => {
    const res = await fetch(`${gw.origin}/sse`, { headers: { accept: 'text/event-stream', 'last-event-id': '0b7f4a8e-0000-4000-8000-000000000000', ...auth() } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: -32001, message: expect.stringContaining('cannot be resumed') } });
    const stream = await openSse(`${gw.origin}/sse`, auth());
    // What such a client would name: the endpoint event's id is its session's.
    const endpoint = await stream.next((e) => e.event === 'endpoint');
    expect(endpoint.id).toBe(new URL(endpoint.data, gw.origin).searchParams.get('sessionId'));
    stream.close();
  }, 30_000);

  it('a session whose client drops its stream is gone at once', async () => {
    const stream = await openSse(`${gw.origin}/sse`, auth());
    const endpoint = (await stream.next((e) => e.event === 'endpoint')).data;
    const id = new URL(endpoint, gw.origin).searchParams.get('sessionId');
    await waitUntil(() => gw.handle.sessions.report().some((s) => s.id === id), 5_000, 'the session listed');
    stream.close();
    await waitUntil(() => !gw.handle.sessions.report().some((s) => s.id === id), 5_000, 'the session gone');
  }, 30_000);
});

it('listen.legacySse: false serves no SSE paths', async () => {
  const gw = await start({ legacySse: false });
  try {
    const res = await fetch(`${gw.origin}/sse`, { headers: { accept: 'text/event-stream', ...auth() } });
    expect(res.status).toBe(404);
    await res.body?.cancel();
  } finally {
    await gw.handle.close();
    await gw.gateway.close();
  }
}, 60_000);
