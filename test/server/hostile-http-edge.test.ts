// The HTTP edge under hostile input: body caps (Content-Length and chunked), Host/Origin forgery, media
// types, unknown/closed/expired sessions, health endpoints and stray paths; the server keeps serving.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JSON_HEADERS, openSession, post, rawRequest, rpcMessage } from '../helpers/http.js';
import { type InProcess, STILL_SERVING, startInProcess } from '../helpers/clients.js';

const LIMIT = 2048;
let srv: InProcess;

beforeAll(async () => {
  srv = await startInProcess({ maxBodyBytes: LIMIT });
});
afterAll(() => srv?.close());
afterEach(async () => {
  expect(await srv.stillServing()).toEqual(STILL_SERVING);
});

const list = (id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' });
const echoOf = (size: number) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(size) } } });

describe('body size cap', () => {
  const expect413 = (res: Awaited<ReturnType<typeof rawRequest>>) => {
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(rpcMessage(res)).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: `Request body too large: the limit is ${LIMIT} bytes` } });
  };

  it('an honest Content-Length over the cap → 413 with a JSON-RPC error body', async () => {
    const session = await openSession(srv.url);
    expect413(await post(srv.url, echoOf(LIMIT * 2), session));
  });

  it('a chunked body (no Content-Length) that grows past the cap → 413', async () => {
    const session = await openSession(srv.url);
    const res = await rawRequest(srv.url, { headers: { ...JSON_HEADERS, ...session }, body: echoOf(LIMIT * 2), chunkBytes: 256 });
    expect413(res);
  });

  it('a 1 MiB chunked body is cut off at the cap, not buffered', async () => {
    expect413(await rawRequest(srv.url, { headers: JSON_HEADERS, body: echoOf(1024 * 1024), chunkBytes: 64 * 1024 }));
  });

  it('a declared Content-Length over the cap is refused before any body is read', async () => {
    expect413(await rawRequest(srv.url, { headers: { ...JSON_HEADERS, 'content-length': String(10 * LIMIT) }, body: '{}' }));
  });

  it('a body just under the cap is accepted', async () => {
    const session = await openSession(srv.url);
    const body = echoOf(LIMIT - 200);
    expect(Buffer.byteLength(body)).toBeLessThan(LIMIT);
    const res = await post(srv.url, body, session);
    expect(res.status).toBe(200);
    expect(rpcMessage(res).result).toMatchObject({ content: [{ type: 'text' }] });
  });
});

describe('DNS-rebinding protection', () => {
  it('a forged Host → 403 with a JSON-RPC error, before any session work', async () => {
    const res = await rawRequest(srv.url, { headers: { ...JSON_HEADERS, host: 'evil.example:80' }, body: list() });
    expect(res.status).toBe(403);
    expect(rpcMessage(res).error).toMatchObject({ code: -32600, message: expect.stringContaining('evil.example') });
  });

  it('a localhost Host with the right port passes', async () => {
    const session = await openSession(srv.url);
    const res = await rawRequest(srv.url, { headers: { ...JSON_HEADERS, ...session, host: `localhost:${srv.handle.port}` }, body: list() });
    expect(res.status).toBe(200);
    expect(rpcMessage(res).result?.tools).toBeInstanceOf(Array);
  });

  it.each(['https://evil.example', 'null', 'http://localhost.evil.example'])('a forged Origin (%s) → 403', async (origin) => {
    const res = await post(srv.url, list(), { origin });
    expect(res.status).toBe(403);
    expect(rpcMessage(res).error?.code).toBe(-32600);
  });

  it('a localhost Origin passes', async () => {
    const session = await openSession(srv.url);
    const res = await post(srv.url, list(), { ...session, origin: `http://localhost:${srv.handle.port}` });
    expect(res.status).toBe(200);
  });
});

describe('media types, methods and paths', () => {
  it.each([['text/plain'], ['application/x-www-form-urlencoded'], [undefined]])('Content-Type %s → 415', async (type) => {
    const headers: Record<string, string> = { accept: JSON_HEADERS.accept, ...(type && { 'content-type': type }) };
    const res = await rawRequest(srv.url, { headers, body: list() });
    expect(res.status).toBe(415);
    expect(rpcMessage(res).error?.code).toBe(-32600);
  });

  it('an Accept header without text/event-stream on a 2025 session → 406', async () => {
    const session = await openSession(srv.url);
    const res = await rawRequest(srv.url, { headers: { 'content-type': 'application/json', ...session }, body: list() });
    expect(res.status).toBe(406);
  });

  it('PUT → 405 with Allow', async () => {
    const res = await rawRequest(srv.url, { method: 'PUT', headers: JSON_HEADERS, body: list() });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST, GET, DELETE');
  });

  it('/healthz and /readyz → 200', async () => {
    const health = await rawRequest(`${srv.origin}/healthz`, { method: 'GET' });
    expect([health.status, JSON.parse(health.text)]).toEqual([200, { status: 'ok' }]);
    const ready = await rawRequest(`${srv.origin}/readyz`, { method: 'GET' });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ status: 'ready', sessions: expect.any(Number) });
  });

  it.each(['/', '/nope', '/mcp/extra', '/healthz/x'])('GET %s → 404', async (path) => {
    const res = await rawRequest(`${srv.origin}${path}`, { method: 'GET' });
    expect(res.status).toBe(404);
  });
});

describe('sessions', () => {
  it('an unknown session id → 404, -32001', async () => {
    const res = await post(srv.url, list(), { 'mcp-session-id': 'no-such-session', 'mcp-protocol-version': '2025-11-25' });
    expect(res.status).toBe(404);
    expect(rpcMessage(res).error?.code).toBe(-32001);
  });

  it('a session closed with DELETE → 404 afterwards', async () => {
    const session = await openSession(srv.url);
    expect((await rawRequest(srv.url, { method: 'DELETE', headers: session })).status).toBe(200);
    const res = await post(srv.url, list(), session);
    expect(res.status).toBe(404);
    expect(rpcMessage(res).error?.code).toBe(-32001);
  });

  it('an idle session past sessionIdleTtlMs → 404, while a fresh one works', async () => {
    const short = await startInProcess({ sessionIdleTtlMs: 300 });
    try {
      const session = await openSession(short.url);
      expect((await post(short.url, list(), session)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      const res = await post(short.url, list(), session);
      expect(res.status).toBe(404);
      expect(rpcMessage(res).error?.code).toBe(-32001);
      expect((await post(short.url, list(), await openSession(short.url))).status).toBe(200);
    } finally {
      await short.close();
    }
  });
});
