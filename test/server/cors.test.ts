// CORS at the HTTP edge, header by header (what the browser tests in browser-cors.test.ts rely on): the preflight's
// answer, the headers an answer carries for a named origin and only for it, the paths that take part (the MCP
// endpoint, health, metadata and routes marked `cors`; never admin or other routes), the same in the fetch handler,
// and nothing changed when `cors` is off. And the Origin check takes the server's own public origin (`resource`'s).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServer, type HttpHandle, type McpFetchHandler, silentLogger } from '../../src/index.js';
import { JSON_HEADERS, rawRequest } from '../helpers/http.js';
import { serveFetch } from '../helpers/serve-fetch.js';

const APP = 'https://app.example.com';
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'web', version: '1' } } });
const preflight = (origin: string, requestHeaders?: string) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', ...(requestHeaders && { 'access-control-request-headers': requestHeaders }) },
});

function server() {
  const s = createServer({ name: 'cors', version: '1.0.0', logger: silentLogger });
  s.tool('echo', { description: 'Echoes', input: z.object({ text: z.string() }) }, ({ text }) => text);
  return s;
}

describe('serveHttp with cors', () => {
  let http: HttpHandle;
  let base: string;
  beforeAll(async () => {
    const ok = (_req: unknown, res: { writeHead(s: number): { end(t: string): void } }) => res.writeHead(200).end('ok');
    http = await server().serveHttp({
      cors: { origins: [APP], maxAgeSeconds: 60 },
      routes: [
        { method: 'GET', path: '/shared', cors: true, handle: ok },
        { method: 'GET', path: '/own', handle: ok },
      ],
    });
    base = new URL(http.url).origin;
  });
  afterAll(() => http?.close());

  it('answers a preflight from a named origin: methods, the headers asked for, how long to keep it', async () => {
    const res = await rawRequest(http.url, preflight(APP, 'content-type, mcp-protocol-version, authorization'));
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': 'content-type, mcp-protocol-version, authorization',
      'access-control-max-age': '60',
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    });
    // What is not a list of header names is not echoed.
    expect((await rawRequest(http.url, preflight(APP, 'content-type; x=1'))).headers['access-control-allow-headers']).toBeUndefined();
  });

  it('lets the named origin read answers and their session header; no CORS headers without Origin', async () => {
    const res = await rawRequest(http.url, { headers: { ...JSON_HEADERS, origin: APP }, body: INIT });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-expose-headers']).toBe('mcp-session-id, mcp-protocol-version, www-authenticate, retry-after, dpop-nonce');
    expect(res.headers['mcp-session-id']).toBeTruthy();
    const plain = await rawRequest(http.url, { headers: JSON_HEADERS, body: INIT });
    expect(plain.status).toBe(200);
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses other origins and the opaque null origin as before', async () => {
    for (const origin of ['https://evil.example.com', 'null']) {
      expect((await rawRequest(http.url, preflight(origin))).status).toBe(403);
      const posted = await rawRequest(http.url, { headers: { ...JSON_HEADERS, origin }, body: INIT });
      expect(posted.status).toBe(403);
      expect(posted.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('covers health and routes marked cors, not other routes', async () => {
    const health = await rawRequest(`${base}/healthz`, { method: 'GET', headers: { origin: APP } });
    expect([health.status, health.headers['access-control-allow-origin']]).toEqual([200, APP]);
    const shared = await rawRequest(`${base}/shared`, { method: 'GET', headers: { origin: APP } });
    expect([shared.status, shared.headers['access-control-allow-origin']]).toEqual([200, APP]);
    expect((await rawRequest(`${base}/shared`, preflight(APP))).status).toBe(204);
    // A route not marked keeps the Origin check: the named origin is a stranger there.
    const own = await rawRequest(`${base}/own`, { method: 'GET', headers: { origin: APP } });
    expect([own.status, own.headers['access-control-allow-origin']]).toEqual([403, undefined]);
  });
});

describe('serveHttp without cors', () => {
  let http: HttpHandle;
  beforeAll(async () => {
    http = await server().serveHttp({});
  });
  afterAll(() => http?.close());

  it('answers no preflight, even from an origin the Origin check accepts', async () => {
    const res = await rawRequest(http.url, preflight('http://localhost:6274', 'content-type'));
    expect(res.status).toBe(405);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const posted = await rawRequest(http.url, { headers: { ...JSON_HEADERS, origin: 'http://localhost:6274' }, body: INIT });
    expect([posted.status, posted.headers['access-control-allow-origin']]).toEqual([200, undefined]);
  });

  it('refuses an origin that is not one at start', async () => {
    await expect(server().serveHttp({ cors: { origins: ['app.example.com'] } })).rejects.toThrow("cors.origins: 'app.example.com' is not an origin");
  });
});

describe('fetchHandler with cors', () => {
  let handler: McpFetchHandler;
  let served: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    handler = server().fetchHandler({ cors: { origins: [APP] } });
    served = await serveFetch((request) => handler.fetch(request));
  });
  afterAll(async () => {
    await handler?.close();
    await served?.close();
  });

  it('answers the preflight and marks answers for the named origin only', async () => {
    const pre = await rawRequest(served.url, preflight(APP, 'content-type, mcp-method'));
    expect(pre.status).toBe(204);
    expect(pre.headers).toMatchObject({ 'access-control-allow-origin': APP, 'access-control-allow-headers': 'content-type, mcp-method', 'access-control-max-age': '600' });
    const res = await rawRequest(served.url, { headers: { ...JSON_HEADERS, origin: APP }, body: INIT });
    expect([res.status, res.headers['access-control-allow-origin']]).toEqual([200, APP]);
    const other = await rawRequest(served.url, { headers: { ...JSON_HEADERS, origin: 'https://evil.example.com' }, body: INIT });
    expect([other.status, other.headers['access-control-allow-origin']]).toEqual([403, undefined]);
  });
});

describe('the Origin check and the server’s own public origin', () => {
  it('accepts pages from the origin of `resource` (its own pages behind a public name) without listing it', async () => {
    const own = await server().serveHttp({ resource: 'https://mcp.example.com/mcp' });
    const plain = await server().serveHttp({});
    const handler = server().fetchHandler({ resource: 'https://mcp.example.com/mcp' });
    const edge = await serveFetch((request) => handler.fetch(request));
    try {
      const from = (url: string, origin: string) => rawRequest(url, { headers: { ...JSON_HEADERS, origin }, body: INIT });
      expect((await from(own.url, 'https://mcp.example.com')).status).toBe(200);
      expect((await from(edge.url, 'https://mcp.example.com')).status).toBe(200);
      // Another port, another scheme or no resource: strangers as before. And no CORS headers: it is not cross-origin.
      for (const origin of ['https://mcp.example.com:8443', 'http://mcp.example.com']) expect((await from(own.url, origin)).status).toBe(403);
      const refused = await from(plain.url, 'https://mcp.example.com');
      expect([refused.status, refused.headers['access-control-allow-origin']]).toEqual([403, undefined]);
    } finally {
      await Promise.all([own.close(), plain.close(), handler.close()]);
      await edge.close();
    }
  });
});
