// A replica forwarding a request for a session another holds names the client as a proxy does, in the headers the
// holder reads (listen.proxyHeaders): X-Forwarded-For by default, RFC 7239 Forwarded with `forwarded`. Two real
// HTTP servers on 127.0.0.1 (the forwarding replica's front and the holder) and the in-process session directory.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import type { ProxyHeaders } from '../../src/server/http/forwarded.js';
import { SessionForwarder } from '../../src/server/http/session-forwarding.js';
import { MemorySessionOwners } from '../../src/stores/memory/session-owners.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What the holder was sent when the front was asked with `headers`. */
async function forwardedWith(mode: ProxyHeaders | undefined, headers: Record<string, string>): Promise<IncomingHttpHeaders> {
  let seen: IncomingHttpHeaders = {};
  const holder = await listen((req, res) => {
    seen = req.headers;
    res.end('{}');
  });
  const owners = new MemorySessionOwners();
  await owners.claim('s1', holder, 60_000);
  const forwarder = new SessionForwarder({ owners, advertise: () => 'http://127.0.0.1:1' }, 60_000, silentLogger, mode);
  const front = await listen((req, res) => void forwarder.forward('s1', req, res, { jsonrpc: '2.0', id: 1, method: 'ping' }));
  const answer = await fetch(`${front}/mcp`, { method: 'POST', headers });
  expect(answer.status).toBe(200);
  return seen;
}

describe('SessionForwarder names the client it was asked by', () => {
  it('in X-Forwarded-For by default, appended to what came', async () => {
    expect((await forwardedWith(undefined, {}))['x-forwarded-for']).toBe('127.0.0.1');
    const seen = await forwardedWith(undefined, { 'x-forwarded-for': '203.0.113.7', forwarded: 'for=198.51.100.1' });
    expect([seen['x-forwarded-for'], seen.forwarded]).toEqual(['203.0.113.7, 127.0.0.1', 'for=198.51.100.1']);
  });

  it('in Forwarded with proxyHeaders: forwarded, X-Forwarded-For left as it came', async () => {
    expect((await forwardedWith('forwarded', {})).forwarded).toBe('for=127.0.0.1');
    const seen = await forwardedWith('forwarded', { forwarded: 'for=198.51.100.1;proto=https', 'x-forwarded-for': '203.0.113.7' });
    expect([seen.forwarded, seen['x-forwarded-for']]).toEqual(['for=198.51.100.1;proto=https, for=127.0.0.1', '203.0.113.7']);
  });
});
