// An upstream that answers a call with a malformed JSON-RPC response (a result that is a string or null, neither
// result nor error, an error without its code): the caller is told so at once, naming the server, instead of waiting
// out the call's timeout (stdio: the line was skipped and the request left pending) or reading a schema dump (HTTP:
// the SDK's transport refused the body), nor for an SSE answer stream that ends without the answer (empty, or its
// answer unreadable) and cannot be resumed. An answer that is a response but no result of its method (a text block
// without its text) is -32015 naming the field, rather than relayed for the caller's client to refuse whole. The
// gateway serves on. Real processes: a raw stdio server, a raw HTTP one.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { http, type RunningGateway, startGateway, stdio } from './helpers/harness.js';

const MALFORMED = new URL('./fixtures/malformed-upstream.mjs', import.meta.url).pathname;

/**
 * A 2025-era HTTP server (no SDK). Its tools: `string` answers (JSON) a result that is a string; the `stream_*` ones
 * answer on an SSE stream: `stream_empty` ends it without an answer, `stream_garbage` after an event that is not JSON,
 * `stream_fine` with its answer after a notification.
 */
function rawHttpServer(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c;
    });
    req.on('end', () => {
      const m = JSON.parse(body || '{}') as { id?: number; method?: string; params?: { name?: string } };
      if (req.method !== 'POST' || m.id === undefined) return void res.writeHead(req.method === 'POST' ? 202 : 405).end();
      const tool = m.method === 'tools/call' ? m.params?.name : undefined;
      if (tool?.startsWith('stream_')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const event = (data: string) => res.write(`event: message\ndata: ${data}\n\n`);
        event(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } }));
        if (tool === 'stream_garbage') event('{not json');
        if (tool === 'stream_fine') event(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'streamed' }] } }));
        return void res.end();
      }
      const tools = ['string', 'stream_empty', 'stream_garbage', 'stream_fine'].map((name) => ({ name, inputSchema: { type: 'object' } }));
      const result =
        m.method === 'initialize'
          ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'raw-http', version: '1.0.0' } }
          : m.method === 'tools/list'
            ? { tools }
            : m.method === 'tools/call'
              ? 'hello'
              : {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let gw: RunningGateway;
let raw: Server;
beforeAll(async () => {
  raw = await rawHttpServer();
  const port = (raw.address() as AddressInfo).port;
  // A timeout far beyond the test's: a call that waits it out fails the test instead.
  gw = await startGateway([stdio('bad', process.execPath, [MALFORMED], { timeoutMs: 120_000 }), http('rh', `http://127.0.0.1:${port}/mcp`, { timeoutMs: 120_000 })]);
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await new Promise((resolve) => raw?.close(resolve));
});

describe.each(['legacy', 'modern'] as const)('an upstream whose answer is no result of its method, %s caller', (era) => {
  it('is -32015 naming the server and the field; a tool result without content gets an empty one', { timeout: 20_000 }, async () => {
    const client = await gw.connect(era);
    await expect(client.callTool({ name: 'bad__no_text', arguments: {} })).rejects.toMatchObject({
      code: ErrorCode.UpstreamBadReply,
      message: expect.stringContaining("Server 'bad' answered tools/call with an invalid result: content[0].text: expected string, received undefined"),
    });
    await expect(client.readResource({ uri: 'note://a' })).rejects.toMatchObject({
      code: ErrorCode.UpstreamBadReply,
      message: expect.stringContaining("Server 'bad' answered resources/read with an invalid result: contents[0]: needs text or blob"),
    });
    const contentless = await client.callTool({ name: 'bad__contentless', arguments: {} });
    expect([contentless.content, contentless.structuredContent]).toEqual([[], { n: 1 }]);
  });
});

describe('an upstream that asks the caller a request of a method of its own (vendor/ping) during a call', () => {
  it('a 2026-era caller (asked only elicitation, sampling, roots) is not asked: the upstream gets -32601 saying why, the call ends', async () => {
    const client = await gw.connect('modern');
    const result = await client.callTool({ name: 'bad__asks_odd', arguments: {} });
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? '')).toEqual({
      code: ErrorCode.MethodNotFound,
      message: 'vendor/ping cannot be relayed: the calling client speaks 2026-07-28, whose servers ask only for elicitation, sampling and roots',
    });
  });

  it('a 2025-era caller is asked as the upstream asked (its own client answers it)', async () => {
    const client = await gw.connect('legacy');
    const result = await client.callTool({ name: 'bad__asks_odd', arguments: {} });
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]?.text ?? '')).toMatchObject({ code: ErrorCode.MethodNotFound });
  });
});

describe.each(['legacy', 'modern'] as const)('an upstream answering a call with a malformed response, %s caller', (era) => {
  it('tells the caller at once, naming the server and what is wrong, and serves on', { timeout: 20_000 }, async () => {
    const client = await gw.connect(era);
    const cases: Array<[string, string]> = [
      ['bad__string', "Server 'bad' answered with a malformed response: its result must be an object"],
      ['bad__null', "Server 'bad' answered with a malformed response: its result must be an object"],
      ['bad__neither', "Server 'bad' answered with a malformed response: it has neither result nor error"],
      ['bad__bad_error', "Server 'bad' answered with a malformed response: its error must be an object with a numeric code and a string message"],
    ];
    for (const [name, message] of cases) {
      await expect(client.callTool({ name, arguments: {} }), name).rejects.toMatchObject({ code: ErrorCode.InternalError, message: expect.stringContaining(message) });
    }
    await expect(client.callTool({ name: 'rh__string', arguments: {} })).rejects.toMatchObject({
      code: ErrorCode.UpstreamBadReply,
      message: expect.stringContaining("Server 'rh' answered with a malformed response: not a JSON-RPC message"),
    });
    // An SSE answer stream that ends without the answer (and cannot be resumed): failed at once, naming the server.
    for (const name of ['rh__stream_empty', 'rh__stream_garbage']) {
      await expect(client.callTool({ name, arguments: {} }), name).rejects.toMatchObject({
        code: ErrorCode.UpstreamUnavailable,
        message: expect.stringContaining("Server 'rh' ended its response stream without answering; the request may or may not have run"),
      });
    }
    const streamed = await client.callTool({ name: 'rh__stream_fine', arguments: {} });
    expect((streamed.content as Array<{ text: string }>)[0]?.text).toBe('streamed');
    const fine = await client.callTool({ name: 'bad__fine', arguments: {} });
    expect((fine.content as Array<{ text: string }>)[0]?.text).toBe('ok');
    expect(gw.gateway.health().upstreams.map((u) => [u.name, u.state])).toEqual([
      ['bad', 'up'],
      ['rh', 'up'],
    ]);
  });
});
