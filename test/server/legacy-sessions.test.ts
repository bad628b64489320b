// LegacySessions directly, with web Requests: a refused initialize must not leave a connected SDK server
// behind, and accepted sessions are closed by DELETE and by closeAll.
import type { Server } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/index.js';
import { LegacySessions } from '../../src/server/http/legacy-sessions.js';
import { buildDemoServer } from '../fixtures/demo-server.js';

const URL_ = 'http://127.0.0.1/mcp';
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

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
afterEach(async () => {
  await sessions?.closeAll();
  made = 0;
  closed = 0;
});

const request = (headers: Record<string, string>, body: unknown, method = 'POST') =>
  new Request(URL_, { method, headers, ...(method === 'POST' && { body: JSON.stringify(body) }) });

describe('LegacySessions', () => {
  it('closes the server of an initialize the transport refuses (no Accept → 406)', async () => {
    sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 10, log: silentLogger });
    const res = await sessions.handle(request({ 'content-type': 'application/json' }, INIT), INIT);
    expect(res.status).toBe(406);
    await settle();
    expect([made, closed, sessions.size]).toEqual([1, 1, 0]);
  });

  it('keeps an accepted session open until DELETE, then closes it', async () => {
    sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 10, log: silentLogger });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const res = await sessions.handle(request(headers, INIT), INIT);
    expect(res.status).toBe(200);
    await res.text();
    const sid = res.headers.get('mcp-session-id');
    expect(sid).toBeTruthy();
    await settle();
    expect([made, closed, sessions.size]).toEqual([1, 0, 1]);
    const del = await sessions.handle(request({ 'mcp-session-id': sid!, 'mcp-protocol-version': '2025-11-25' }, undefined, 'DELETE'), undefined);
    expect(del.status).toBe(200);
    await settle();
    expect([closed, sessions.size]).toEqual([1, 0]);
  });

  it('refuses a new session beyond maxSessions with 503 and builds no server for it', async () => {
    sessions = new LegacySessions(countingFactory(), { idleTtlMs: 60_000, maxSessions: 1, log: silentLogger });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const first = await sessions.handle(request(headers, INIT), INIT);
    await first.text();
    const second = await sessions.handle(request(headers, INIT), INIT);
    expect(second.status).toBe(503);
    expect(await second.json()).toMatchObject({ error: { code: -32603 } });
    expect([made, sessions.size]).toEqual([1, 1]);
  });
});
