// The 2026-07-28 lane over HTTP: plain requests are served by one pinned server (not one per request), with the
// caller's id and headers intact, JSON or SSE answers like the SDK's handler, and cancellation when the caller
// leaves; anything the SDK's handler must judge (a header mismatch, listen, discover) still goes to it.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createServer, type HttpHandle, type McplexServer, silentLogger } from '../../src/index.js';
import { JSON_HEADERS, modernMeta, rawRequest, rpcMessage, rpcMessages } from '../helpers/http.js';
import { ModernLane } from '../../src/server/http/modern-lane.js';
import { deferred, within } from './features-fixture.js';

let server: McplexServer;
let http: HttpHandle;
let built: { mock: { calls: unknown[][] } };
const seenHeader: Array<string | null> = [];
const cancelled = deferred<string>();
const hangStarted = deferred();

beforeEach(async () => {
  server = createServer({ name: 'lane', version: '1.0.0', logger: silentLogger });
  server.tool('echo', { description: 'Echoes', input: z.object({ text: z.string() }) }, ({ text }, ctx) => {
    seenHeader.push(ctx.call.http?.headers.get('x-trace-me') ?? null);
    return text;
  });
  server.tool('steps', { description: 'Reports progress', input: z.object({ n: z.number().int() }) }, async ({ n }, ctx) => {
    for (let i = 1; i <= n; i++) await ctx.progress(i, n);
    return `did ${n}`;
  });
  server.tool('hang', { description: 'Waits for cancellation' }, (_a, ctx) => {
    hangStarted.resolve();
    return new Promise((resolve) => ctx.signal.addEventListener('abort', () => {
      cancelled.resolve(String(ctx.signal.reason));
      resolve('aborted');
    }));
  });
  built = vi.spyOn(server, 'createProtocolServer');
  http = await server.serveHttp({ port: 0 });
});
afterEach(async () => {
  await http.close();
  seenHeader.length = 0;
});

const headersFor = (method: string, name?: string) => ({
  ...JSON_HEADERS,
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': method,
  ...(name !== undefined && { 'mcp-name': name }),
});
const callBody = (id: string | number, name: string, args: Record<string, unknown>) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: modernMeta() } });

describe('the 2026-07-28 HTTP lane', () => {
  it('serves many SDK client calls with one server instance, each seeing its own HTTP headers', async () => {
    const client = new Client({ name: 'lane-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { 'x-trace-me': 'yes' } } }));
    const modernBuilt = () => built.mock.calls.filter((args) => args[0] === 'modern').length;
    const callFive = () => Promise.all([1, 2, 3, 4, 5].map(async (i) => ((await client.callTool({ name: 'echo', arguments: { text: `t${i}` } })).content as Array<{ text: string }>)[0]!.text));
    try {
      const afterConnect = modernBuilt(); // server/discover went to the SDK's handler: one server for that request
      expect(await callFive()).toEqual(['t1', 't2', 't3', 't4', 't5']);
      expect(modernBuilt()).toBe(afterConnect + 1); // the lane's one pinned server
      expect(await callFive()).toEqual(['t1', 't2', 't3', 't4', 't5']);
      expect(modernBuilt()).toBe(afterConnect + 1);
      expect(seenHeader).toEqual(Array(10).fill('yes'));
    } finally {
      await client.close();
    }
  });

  it("answers with the caller's own id as one JSON body", async () => {
    const res = await rawRequest(http.url, { headers: headersFor('tools/call', 'echo'), body: JSON.stringify(callBody('abc-1', 'echo', { text: 'hi' })) });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const msg = rpcMessage(res);
    expect(msg.id).toBe('abc-1');
    expect(msg.result).toMatchObject({ content: [{ type: 'text', text: 'hi' }] });
    expect(res.headers['mcp-session-id']).toBeUndefined();
  });

  it('streams progress as SSE before the result when the caller asked for it', async () => {
    const body = callBody(9, 'steps', { n: 2 });
    (body.params._meta as Record<string, unknown>).progressToken = 'p';
    const res = await rawRequest(http.url, { headers: headersFor('tools/call', 'steps'), body: JSON.stringify(body) });
    expect(res.headers['content-type']).toBe('text/event-stream');
    const messages = rpcMessages(res);
    expect(messages.map((m) => m.method ?? `result ${m.id}`)).toEqual(['notifications/progress', 'notifications/progress', 'result 9']);
  });

  it('cancels the handler when the caller disconnects', async () => {
    const ac = new AbortController();
    const pending = fetch(http.url, { method: 'POST', headers: headersFor('tools/call', 'hang'), body: JSON.stringify(callBody(1, 'hang', {})), signal: ac.signal }).catch(() => 'aborted');
    await within(hangStarted.promise, 'the handler to start');
    ac.abort();
    expect(await pending).toBe('aborted');
    await within(cancelled.promise, 'the handler to be cancelled');
  });

  it("leaves what the SDK's handler must judge to it: a Mcp-Name that disagrees with the body is refused", async () => {
    const res = await rawRequest(http.url, { headers: headersFor('tools/call', 'other'), body: JSON.stringify(callBody(2, 'echo', { text: 'x' })) });
    expect(res.status).toBe(400);
    expect(rpcMessage(res).error?.message).toMatch(/Mcp-Name/);
    expect(seenHeader).toEqual([]);
  });

  it('reports itself closed once its pinned server is, so the edge falls back to the SDK handler', async () => {
    const lane = new ModernLane(() => server.createProtocolServer('modern'), () => {});
    expect(lane.open).toBe(true);
    await lane.close();
    expect(lane.open).toBe(false);
  });
});
