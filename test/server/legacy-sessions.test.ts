// LegacySessions driven over a real node:http server: a refused initialize leaves no session or server
// behind, accepted sessions are closed by DELETE and by closeAll, the session cap builds nothing, and the idle
// TTL spares a session while its stream or a call is open.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/index.js';
import { LegacySessions } from '../../src/server/http/legacy-sessions.js';
import { buildDemoServer } from '../fixtures/demo-server.js';

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let made = 0;
let closed = 0;
function countingFactory(): () => Server {
  const app = buildDemoServer({ logger: silentLogger });
  return () => {
    made++;
    const server = app.createProtocolServer('legacy');
    const close = server.close.bind(server);
    server.close = async () => {
      closed++;
      await close();
    };
    return server;
  };
}
const settle = () => new Promise((r) => setTimeout(r, 20));

let sessions: LegacySessions | undefined;
let http: HttpServer | undefined;
afterEach(async () => {
  await sessions?.closeAll();
  await new Promise((r) => (http ? http.close(r) : r(undefined)));
  made = 0;
  closed = 0;
});

/** Serves `sessions` on 127.0.0.1 and returns a fetch-like caller. */
async function serve(s: LegacySessions) {
  http = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    await s.handle(req, res, raw ? JSON.parse(raw) : undefined);
  });
  await new Promise<void>((r) => http!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return (headers: Record<string, string>, body: unknown, method = 'POST', signal?: AbortSignal) =>
    fetch(url, { method, headers, ...(method === 'POST' && { body: JSON.stringify(body) }), ...(signal && { signal }) });
}

describe('LegacySessions', () => {
  it('refuses an initialize without the right Accept (406) before building a server', async () => {
    sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 10, log: silentLogger });
    const res = await (await serve(sessions))({ 'content-type': 'application/json' }, INIT);
    expect(res.status).toBe(406);
    await settle();
    expect([made, closed, sessions.size]).toEqual([0, 0, 0]);
  });

  it('refuses a malformed initialize with 400 and builds nothing', async () => {
    sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 10, log: silentLogger });
    const bad = { ...INIT, params: { protocolVersion: 5 } };
    const res = await (await serve(sessions))(ACCEPT, bad);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toEqual({ code: -32602, message: 'Invalid params for initialize: params.protocolVersion must be a string such as "2025-11-25"' });
    await settle();
    expect([made, closed, sessions.size]).toEqual([0, 0, 0]);
  });

  it('keeps an accepted session open until DELETE, then closes it', async () => {
    sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 10, log: silentLogger });
    const call = await serve(sessions);
    const res = await call(ACCEPT, INIT);
    expect(res.status).toBe(200);
    expect((await res.json()).result.serverInfo).toBeDefined();
    const sid = res.headers.get('mcp-session-id');
    expect(sid).toBeTruthy();
    await settle();
    expect([made, closed, sessions.size]).toEqual([1, 0, 1]);
    const del = await call({ 'mcp-session-id': sid!, 'mcp-protocol-version': '2025-11-25' }, undefined, 'DELETE');
    expect(del.status).toBe(200);
    await settle();
    expect([closed, sessions.size]).toEqual([1, 0]);
    const after = await call({ ...ACCEPT, 'mcp-session-id': sid! }, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(after.status).toBe(404);
  });

  describe('idle TTL', () => {
    const TTL = 300;
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    async function openSession() {
      sessions = new LegacySessions(countingFactory(), { idleTtlMs: TTL, maxSessions: 10, log: silentLogger });
      const call = await serve(sessions);
      const init = await call(ACCEPT, INIT);
      const headers = { ...ACCEPT, 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
      await init.text();
      expect((await call(headers, { jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
      const list = async () => (await call(headers, { jsonrpc: '2.0', id: 9, method: 'tools/list' })).status;
      return { call, headers, list };
    }

    it('keeps a session whose only activity is an open GET stream, and sweeps it a TTL after the stream ends', async () => {
      const { headers, list } = await openSession();
      const stream = new AbortController();
      const url = `http://127.0.0.1:${(http!.address() as AddressInfo).port}/mcp`;
      const get = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: stream.signal });
      expect(get.status).toBe(200);
      await wait(TTL * 4); // the sweeper has run (every 1 s at the least) and the TTL has passed twice over
      expect(await list()).toBe(200);
      stream.abort();
      await wait(TTL * 2);
      expect(await list()).toBe(404);
      expect(sessions!.size).toBe(0);
    });

    it('keeps a session through one call longer than the TTL, and counts idleness from its end', async () => {
      const { call, headers, list } = await openSession();
      const slow = await call(headers, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { ms: TTL * 4 } } });
      expect(slow.status).toBe(200);
      expect((await slow.json()).result.content[0].text).toBe(`slept ${TTL * 4}`);
      expect(await list()).toBe(200);
      await wait(TTL * 2);
      expect(await list()).toBe(404);
    });
  });

  it('refuses a new session beyond maxSessions with 503 when none is idle, and builds no server for it', async () => {
    sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 1, log: silentLogger });
    const call = await serve(sessions);
    const first = await call(ACCEPT, INIT);
    const sid = first.headers.get('mcp-session-id')!;
    await first.text();
    // Its GET stream open: the one session is in use, so nothing can be evicted.
    const stream = new AbortController();
    const get = await call({ accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, undefined, 'GET', stream.signal);
    expect(get.status).toBe(200);
    const second = await call(ACCEPT, INIT);
    expect(second.status).toBe(503);
    expect(await second.json()).toMatchObject({ error: { code: -32603, message: 'Too many sessions and none is idle; try again later' } });
    expect([made, sessions.size]).toEqual([1, 1]);
    stream.abort();
  });

  describe('when full', () => {
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const headersOf = (sid: string) => ({ ...ACCEPT, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    async function open(call: Awaited<ReturnType<typeof serve>>, extra: Record<string, string> = {}): Promise<string> {
      const res = await call({ ...ACCEPT, ...extra }, INIT);
      expect(res.status).toBe(200);
      await res.text();
      return res.headers.get('mcp-session-id')!;
    }

    it('closes the least recently used idle session to make room for a new one', async () => {
      sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 2, log: silentLogger });
      const call = await serve(sessions);
      const a = await open(call);
      const b = await open(call);
      expect((await call(headersOf(a), list)).status).toBe(200); // a is now more recently used than b
      const c = await open(call);
      expect(sessions.size).toBe(2);
      expect((await call(headersOf(b), list)).status).toBe(404);
      expect((await call(headersOf(a), list)).status).toBe(200);
      expect((await call(headersOf(c), list)).status).toBe(200);
      expect(closed).toBe(1);
    });

    it("caps one client's sessions (pluggable owner): its own least recently used idle one goes, others' stay", async () => {
      sessions = new LegacySessions(countingFactory(), {
        idleTtlMs: 60_000,
        maxSessions: 100,
        maxSessionsPerClient: 2,
        owner: (req) => String(req.headers['x-client']),
        log: silentLogger,
      });
      const call = await serve(sessions);
      const other = await open(call, { 'x-client': 'bob' });
      const first = await open(call, { 'x-client': 'eve' });
      await open(call, { 'x-client': 'eve' });
      await open(call, { 'x-client': 'eve' });
      await open(call, { 'x-client': 'eve' });
      expect(sessions.size).toBe(3);
      expect((await call(headersOf(first), list)).status).toBe(404);
      expect((await call(headersOf(other), list)).status).toBe(200);
    });

    it('a failed initialize is never stored, evicts nothing, and leaves no server behind', async () => {
      const app = buildDemoServer({ logger: silentLogger });
      let refuse = false;
      let closedOne!: () => void;
      const oneClosed = new Promise<void>((r) => (closedOne = r));
      const factory = () => {
        made++;
        const server = app.createProtocolServer('legacy');
        const close = server.close.bind(server);
        server.close = async () => {
          closed++;
          closedOne();
          await close();
        };
        server.setRequestHandler('initialize', async (req) => {
          if (refuse) throw new Error('initialize refused');
          return (server as unknown as { _oninitialize(r: unknown): Promise<never> })._oninitialize(req);
        });
        return server;
      };
      sessions = new LegacySessions(factory, { idleTtlMs: 60_000, maxSessions: 1, log: silentLogger });
      const call = await serve(sessions);
      const kept = await open(call);
      refuse = true;
      const res = await call(ACCEPT, INIT);
      expect((await res.json()).error).toMatchObject({ message: 'initialize refused' });
      await oneClosed;
      expect([made, closed, sessions.size]).toEqual([2, 1, 1]);
      expect((await call(headersOf(kept), list)).status).toBe(200);
    });

    it('a session is stored only once its initialize has been answered', async () => {
      const app = buildDemoServer({ logger: silentLogger });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let arrived!: () => void;
      const started = new Promise<void>((r) => (arrived = r));
      const factory = () => {
        const server = app.createProtocolServer('legacy');
        server.setRequestHandler('initialize', async (req) => {
          arrived();
          await gate;
          return (server as unknown as { _oninitialize(r: unknown): Promise<never> })._oninitialize(req);
        });
        return server;
      };
      sessions = new LegacySessions(factory, { idleTtlMs: 60_000, maxSessions: 10, log: silentLogger });
      const call = await serve(sessions);
      const pending = call(ACCEPT, INIT);
      await started;
      expect(sessions.size).toBe(0);
      release();
      expect((await pending).status).toBe(200);
      expect(sessions.size).toBe(1);
    });
  });
});
