// The HTTP edge's own limits, against a real server on 127.0.0.1: a 413 a fetch client can read, header and
// request timeouts, the connection cap, the listen-stream cap, the in-flight and batch caps, duplicate ids,
// in-flight accounting at shutdown, and health endpoints behind the Host check with minimal /readyz detail.
import { connect, type Socket } from 'node:net';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpHandle, HttpServeOptions } from '../../src/index.js';
import { spawnDemoHttp } from '../helpers/child.js';
import { connectHttp, echoWorks } from '../helpers/clients.js';
import { JSON_HEADERS, openSession, post, rawRequest, rpcMessage, rpcMessages } from '../helpers/http.js';
import { killStarted } from '../helpers/process.js';
import { type BoundsServer, boundsServer, watchLog } from './bounds-fixture.js';

let http: HttpHandle | undefined;
let fixture: BoundsServer;
const clients: Client[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  fixture?.release();
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.allSettled(clients.splice(0).map((c) => c.close()));
  await http?.close();
  http = undefined;
});

async function serve(opts: HttpServeOptions = {}): Promise<HttpHandle> {
  fixture = boundsServer(watchLog());
  http = await fixture.server.serveHttp({ port: 0, ...opts });
  return http;
}

/** A raw TCP connection to the server, with everything it receives and a promise of its close. */
function rawSocket(url: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

const tools = (id: number | string, name = 'echo', args: Record<string, unknown> = { text: 'hi' }) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

describe('413 a client can read', () => {
  // In a separate process, as a deployment would be: there the client is still writing when a server that
  // closes at once resets the connection, and fetch reports EPIPE instead of the status.
  let demo: Awaited<ReturnType<typeof spawnDemoHttp>>;
  beforeAll(async () => {
    demo = await spawnDemoHttp();
  });
  afterAll(() => killStarted());
  const oversize = 'x'.repeat(8 * 1024 * 1024); // twice the default 4 MiB cap

  it('fetch that sends a whole oversize body (no Expect: 100-continue) reads the 413 and its JSON-RPC error, every time', async () => {
    const body = JSON.stringify(tools(1, 'echo', { text: oversize }));
    for (let i = 0; i < 6; i++) {
      const res = await fetch(demo.url, { method: 'POST', headers: JSON_HEADERS, body });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Request body too large: the limit is 4194304 bytes' } });
    }
  });

  it('the SDK client calling with an oversize argument gets the 413 error, and its session keeps working', async () => {
    const client = await connectHttp(demo.url, 'legacy');
    clients.push(client);
    for (let i = 0; i < 10; i++) {
      await expect(client.callTool({ name: 'echo', arguments: { text: oversize } })).rejects.toThrow(/Request body too large: the limit is 4194304 bytes/);
    }
    expect(await echoWorks(client)).toBe('echo: still alive');
  });

  it('a client that asks first (Expect: 100-continue) is refused before it sends the body', async () => {
    const { url } = await serve({ maxBodyBytes: 1024 });
    const raw = await rawSocket(url);
    raw.socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 1048576\r\n\r\n');
    await raw.closed;
    expect(raw.received()).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('timeouts', () => {
  it('headers that never finish are answered 408 and the connection closed', async () => {
    const { url } = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const raw = await rawSocket(url);
    raw.socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await raw.closed;
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('a body that stalls is answered 408 and the connection closed', async () => {
    const { url } = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const raw = await rawSocket(url);
    raw.socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"');
    await raw.closed;
    expect(raw.received()).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('caps', () => {
  it('connections past maxConnections are dropped; the ones within it keep working', async () => {
    const { url } = await serve({ maxConnections: 2 });
    // Two kept-alive connections that the server has surely accepted (each got an answer).
    const open: Awaited<ReturnType<typeof rawSocket>>[] = [];
    for (let i = 0; i < 2; i++) {
      const raw = await rawSocket(url);
      raw.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await new Promise<void>((r) => raw.socket.once('data', () => r()));
      open.push(raw);
    }
    const third = await rawSocket(url);
    third.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await third.closed;
    expect(third.received()).toBe('');
    open[0]!.socket.destroy();
    await open[0]!.closed;
    // A slot is free again once the server has seen the close; the next connection is then served.
    let answered = '';
    while (!answered.startsWith('HTTP/1.1 200')) {
      answered = await rawRequest(`${new URL(url).origin}/healthz`, { method: 'GET', headers: { connection: 'close' } }).then(
        (r) => `HTTP/1.1 ${r.status}`,
        () => '',
      );
    }
    expect(answered).toBe('HTTP/1.1 200');
  });

  it('a 2026-era subscriptions/listen past maxListenStreams gets a JSON-RPC error; closing one frees a slot', async () => {
    const { url } = await serve({ maxListenStreams: 1 });
    const a = await connectHttp(url, 'modern');
    const b = await connectHttp(url, 'modern');
    clients.push(a, b);
    const first = await a.listen({ toolsListChanged: true });
    await expect(b.listen({ toolsListChanged: true })).rejects.toThrow(/Too many open subscriptions\/listen streams: the limit is 1/);
    await first.close();
    await first.closed;
    let second: Awaited<ReturnType<Client['listen']>> | undefined;
    while (!second) second = await b.listen({ toolsListChanged: true }).catch(() => undefined);
    await second.close();
  });

  it('requests past maxInflightPerSession get a JSON-RPC error naming the limit; those in flight still answer', async () => {
    const { url } = await serve({ maxInflightPerSession: 2 });
    const session = await openSession(url);
    const held = [post(url, tools(1, 'hold', {}), session), post(url, tools(2, 'hold', {}), session)];
    await fixture.onHold(2);
    const refused = rpcMessage(await post(url, tools(3), session));
    expect(refused).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32000, message: 'Too many requests in flight on this session: the limit is 2; wait for answers before sending more' },
    });
    fixture.release();
    for (const r of await Promise.all(held)) expect(rpcMessage(r).result).toMatchObject({ content: [{ text: 'released' }] });
    expect(rpcMessage(await post(url, tools(4), session)).result).toMatchObject({ content: [{ text: 'echo: hi' }] });
  });

  it('a batch larger than the in-flight cap is refused request by request; a batch within it is served', async () => {
    const { url } = await serve({ maxInflightPerSession: 2, maxBatchSize: 3 });
    const session = await openSession(url, '2025-03-26');
    const over = rpcMessages(await post(url, [tools(1), tools(2), tools(3)], session));
    expect(over.map((m) => [m.id, (m.error as { code: number }).code])).toEqual([
      [1, -32000],
      [2, -32000],
      [3, -32000],
    ]);
    const within = rpcMessages(await post(url, [tools(1), tools(2)], session));
    expect(within.map((m) => m.id).sort()).toEqual([1, 2]);
    expect(within.every((m) => m.result !== undefined)).toBe(true);
    const tooMany = await post(url, [tools(1), tools(2), tools(3), tools(4)], session);
    expect(tooMany.status).toBe(400);
    expect(rpcMessage(tooMany).error?.message).toBe('Invalid Request: a batch must hold 1 to 3 messages');
  });
});

describe('duplicate request ids', () => {
  it('in one batch: the first is served, the duplicate gets -32600 naming the id', async () => {
    const { url } = await serve();
    const session = await openSession(url, '2025-03-26');
    const answers = rpcMessages(await post(url, [tools(7, 'echo', { text: 'one' }), tools(7, 'echo', { text: 'two' })], session));
    expect(answers).toHaveLength(2);
    expect(answers.find((m) => m.result)).toMatchObject({ id: 7, result: { content: [{ text: 'echo: one' }] } });
    expect(answers.find((m) => m.error)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32600, message: 'Invalid Request: duplicate request id 7: a request with this id is already in flight' },
    });
  });

  it('while a request with that id is in flight on the session: -32600 for the new one, the first still answers', async () => {
    const { url } = await serve();
    const session = await openSession(url);
    const first = post(url, tools('x', 'hold', {}), session);
    await fixture.onHold(1);
    const dup = rpcMessage(await post(url, tools('x'), session));
    expect(dup).toEqual({ jsonrpc: '2.0', id: 'x', error: { code: -32600, message: 'Invalid Request: duplicate request id "x": a request with this id is already in flight' } });
    fixture.release();
    expect(rpcMessage(await first)).toMatchObject({ id: 'x', result: { content: [{ text: 'released' }] } });
  });
});

describe('graceful shutdown', () => {
  it('a POST whose body has not arrived does not hold close() for the grace period', async () => {
    const { url } = await serve({ shutdownGraceMs: 120_000 });
    const raw = await rawSocket(url);
    // 100 Continue proves the server has the request; then only part of its body comes.
    raw.socket.write('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n');
    await new Promise<void>((r) => raw.socket.once('data', () => r()));
    expect(raw.received()).toMatch(/^HTTP\/1\.1 100 Continue/);
    raw.socket.write('{"jsonrpc"');
    const handle = http!;
    http = undefined;
    await handle.close();
    await raw.closed;
  });
});

describe('health endpoints', () => {
  it.each(['/healthz', '/readyz'])('%s with a forged Host → 403', async (path) => {
    const { url } = await serve();
    const res = await rawRequest(`${new URL(url).origin}${path}`, { method: 'GET', headers: { host: 'evil.example' } });
    expect(res.status).toBe(403);
  });

  it('/readyz with a foreign Origin → 403', async () => {
    const { url } = await serve();
    const res = await rawRequest(`${new URL(url).origin}/readyz`, { method: 'GET', headers: { origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
  });

  const readiness = () => ({ upstreams: [{ name: 'db', pid: 4242, error: 'connect ECONNREFUSED' }] });

  it('/readyz gives a direct local caller the detail, and a proxied one status and ready only', async () => {
    const { url } = await serve({ readiness });
    const ready = `${new URL(url).origin}/readyz`;
    expect(JSON.parse((await rawRequest(ready, { method: 'GET' })).text)).toMatchObject({ status: 'ready', ready: true, upstreams: readiness().upstreams });
    const proxied = await rawRequest(ready, { method: 'GET', headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(JSON.parse(proxied.text)).toEqual({ status: 'ready', ready: true });
  });

  it("readinessDetail: 'minimal' shows no one the detail; a predicate decides per request", async () => {
    const { url } = await serve({ readiness, readinessDetail: 'minimal' });
    expect(JSON.parse((await rawRequest(`${new URL(url).origin}/readyz`, { method: 'GET' })).text)).toEqual({ status: 'ready', ready: true });
    await http!.close();
    const { url: url2 } = await serve({ readiness, readinessDetail: (req) => req.headers['x-ops'] === 'yes' });
    const ready = `${new URL(url2).origin}/readyz`;
    expect(JSON.parse((await rawRequest(ready, { method: 'GET' })).text)).toEqual({ status: 'ready', ready: true });
    expect(JSON.parse((await rawRequest(ready, { method: 'GET', headers: { 'x-ops': 'yes' } })).text)).toMatchObject({ upstreams: readiness().upstreams });
  });
});
