// A client that stops reading while a tool logs a lot must not grow the server's memory without bound: the
// call's stream, the session's GET stream and its backlog, and stdio output each hold at most their cap, past
// which the stream is closed (HTTP) or notifications are dropped and then the connection closed (stdio),
// always with a log line, and the server keeps serving everyone else.
import { createServer, type Server as HttpServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpHandle } from '../../src/index.js';
import { NodeSessionTransport } from '../../src/server/http/session-transport.js';
import { StdioLineTransport } from '../../src/server/stdio-transport.js';
import { connectHttp, type EraName, echoWorks } from '../helpers/clients.js';
import { modernMeta, openSession } from '../helpers/http.js';
import { type BoundsServer, boundsServer, latch, watchLog } from './bounds-fixture.js';

const KiB = 1024;
const CAP = 256 * KiB;
let http: HttpHandle | undefined;
let plain: HttpServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await http?.close();
  http = undefined;
  plain?.closeAllConnections();
  await new Promise((r) => (plain ? plain.close(r) : r(undefined)));
  plain = undefined;
});

/** Sends a raw HTTP request and then reads nothing, ever. */
function neverRead(url: string, head: string, body = ''): Socket {
  const u = new URL(url);
  const socket = connect(Number(u.port), '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => {});
  socket.pause();
  socket.write(`${head}\r\nHost: 127.0.0.1\r\n${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`);
  return socket;
}

const notification = (i: number, kib = 64): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: { i, chunk: 'x'.repeat(kib * KiB) } } });

describe.each(['legacy', 'modern'] as EraName[])('a %s-era call whose client does not read its stream', (era) => {
  it('is cut off at maxBufferedBytes with a warning while the tool floods it; the server keeps serving', async () => {
    const log = watchLog();
    const fixture: BoundsServer = boundsServer(log);
    http = await fixture.server.serveHttp({ port: 0, maxBufferedBytes: CAP });
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'flood', arguments: { count: 1000, kib: 64 } } };
    let headers = 'Content-Type: application/json\r\nAccept: application/json, text/event-stream';
    if (era === 'legacy') {
      const session = await openSession(http.url);
      headers += `\r\nMcp-Session-Id: ${session['mcp-session-id']}\r\nMcp-Protocol-Version: ${session['mcp-protocol-version']}`;
    } else {
      headers += '\r\nMcp-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: flood';
      // 2026-era requests ask for logs per request.
      call.params = { ...call.params, _meta: { ...modernMeta(), 'io.modelcontextprotocol/logLevel': 'info' } } as typeof call.params;
    }
    neverRead(http.url, `POST /mcp HTTP/1.1\r\n${headers}`, JSON.stringify(call));
    // 64 MiB of logs: far more than the kernel's socket buffers and the cap together.
    const first = await Promise.race([log.next('warn', 'not reading its stream'), fixture.flooded.then(() => undefined)]);
    expect(first?.msg).toBe('client is not reading its stream; closing it');
    expect(first?.obj).toMatchObject({ limit: CAP });
    expect(first?.obj.bufferedBytes as number).toBeLessThan(CAP + 128 * KiB);
    const client = await connectHttp(http.url, era);
    expect(await echoWorks(client)).toBe('echo: still alive');
    await client.close();
  });
});

describe("a 2025-era session's standalone stream and backlog", () => {
  async function transportOverHttp(): Promise<{ transport: NodeSessionTransport; url: string; listening: Promise<void> }> {
    const log = watchLog();
    const transport = new NodeSessionTransport({ maxBufferedBytes: CAP, log });
    const listening = latch();
    plain = createServer((_req, res) => {
      transport.listen(res);
      listening.open();
    });
    await new Promise<void>((r) => plain!.listen(0, '127.0.0.1', r));
    return { transport, url: `http://127.0.0.1:${(plain.address() as { port: number }).port}/`, listening: listening.promise };
  }

  it('a GET stream its client does not read is closed at the cap with a warning', async () => {
    const log = watchLog();
    const transport = new NodeSessionTransport({ maxBufferedBytes: CAP, log });
    const listening = latch();
    const closed = latch();
    plain = createServer((_req, res) => {
      transport.listen(res);
      res.once('close', closed.open);
      listening.open();
    });
    await new Promise<void>((r) => plain!.listen(0, '127.0.0.1', r));
    neverRead(`http://127.0.0.1:${(plain.address() as { port: number }).port}/`, 'GET / HTTP/1.1\r\nAccept: text/event-stream');
    await listening.promise;
    // 64 MiB unless the stream is cut off first.
    const cut = () => log.lines.some((l) => l.level === 'warn');
    for (let i = 0; i < 1000 && !cut(); i++) await transport.send(notification(i));
    expect((await log.next('warn', 'not reading its stream')).obj).toMatchObject({ stream: 'standalone', limit: CAP });
    await closed.promise;
    await transport.close();
  });

  it('the backlog kept for a stream not yet open holds at most maxBufferedBytes, newest first', async () => {
    const { transport, url } = await transportOverHttp();
    for (let i = 0; i < 50; i++) await transport.send(notification(i));
    const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
    const reader = res.body!.getReader();
    await transport.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'marker' } });
    let text = '';
    while (!text.includes('"marker"')) text += new TextDecoder().decode((await reader.read()).value);
    const ids = [...text.matchAll(/"i":(\d+)/g)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length * 64 * KiB).toBeLessThanOrEqual(CAP);
    expect(ids.at(-1)).toBe(49);
    await reader.cancel();
    await transport.close();
  });
});

describe('stdio output to a peer that does not read', () => {
  it('drops notifications past the cap with one warning, still queues answers, and closes far past it', async () => {
    const log = watchLog();
    const input = new PassThrough();
    const output = new PassThrough(); // nobody reads it
    const transport = new StdioLineTransport(input, output, { maxBufferedBytes: CAP, log });
    const closed = latch();
    transport.onclose = closed.open;
    await transport.start();
    for (let i = 0; i < 100; i++) void transport.send(notification(i));
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual(['stdio peer is not reading its output; dropping notifications until it does']);
    expect(output.writableLength).toBeLessThan(CAP + 128 * KiB);
    const queued = output.writableLength;
    void transport.send({ jsonrpc: '2.0', id: 1, result: { big: 'y'.repeat(64 * KiB) } } as JSONRPCMessage);
    expect(output.writableLength).toBeGreaterThan(queued);
    for (let i = 2; i < 100 && output.writableLength <= 4 * CAP; i++) void transport.send({ jsonrpc: '2.0', id: i, result: { big: 'y'.repeat(64 * KiB) } } as JSONRPCMessage);
    void transport.send({ jsonrpc: '2.0', id: 999, result: {} } as JSONRPCMessage);
    await closed.promise;
    expect((await log.next('warn', 'closing the connection')).obj).toMatchObject({ limit: CAP });
  });
});
