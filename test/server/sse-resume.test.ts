// A 2025-era SSE answer whose client was cut off is not lost (SEP-1699): the stream opens with a priming event (an id,
// a retry delay, no data), every event carries an id, and a GET with Last-Event-ID gets what the client missed,
// the answer included, even when it came while the client was away. A JSON answer stays as it was.
import { createServer as createTcpServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp } from '../helpers/clients.js';
import { readEvents, sseMessage as message } from '../helpers/sse.js';
import { z } from 'zod';
import { createServer, type McplexServer, silentLogger } from '../../src/index.js';

let server: McplexServer;
let url: string;
let close: () => Promise<void>;
let release: () => void = () => {};
let releasePolled: () => void = () => {};
/** What each call of `polled` got from ctx.closeStream(), twice a call. */
const closed: boolean[] = [];

beforeAll(async () => {
  server = createServer({ name: 'resume', version: '1.0.0', logger: silentLogger });
  server.tool('slow', { description: 'Reports progress, waits for the test, reports again and answers', input: z.object({}) }, async (_a, ctx) => {
    await ctx.progress(1, 2, 'half way');
    await new Promise<void>((r) => (release = r));
    await ctx.progress(2, 2, 'done');
    return 'slow answer';
  });
  server.tool('quick', { description: 'Answers at once', input: z.object({}) }, () => 'quick answer');
  server.tool('polled', { description: 'Ends its response stream, then answers (once the test says so, with wait)', input: z.object({ wait: z.boolean() }) }, async ({ wait }, ctx) => {
    closed.push(ctx.closeStream());
    // A second time: the stream has ended already.
    closed.push(ctx.closeStream());
    if (wait) await new Promise<void>((r) => (releasePolled = r));
    return 'polled answer';
  });
  const handle = await server.serveHttp({ port: 0 });
  url = handle.url;
  close = () => handle.close();
});
afterAll(() => close());

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

async function session(at = url): Promise<string> {
  const res = await fetch(at, { method: 'POST', headers: HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
  const id = res.headers.get('mcp-session-id')!;
  await res.text();
  await fetch(at, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': id }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());
  return id;
}

describe('SSE answers a client can come back for (2025-era sessions)', () => {
  /** A call of `slow` whose connection drops after its first progress: the stream's id (events so far: 0 and 1). */
  async function cutOff(sid: string, id: number, at = url): Promise<string> {
    const aborted = new AbortController();
    const post = await fetch(at, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: {}, _meta: { progressToken: `p${id}` } } }),
      signal: aborted.signal,
    });
    expect(post.headers.get('content-type')).toBe('text/event-stream');
    const first = await readEvents(post.body!, (events) => events.some((e) => message(e)?.method === 'notifications/progress'));
    // The priming event: an id (event 0), the delay before reconnecting, no data.
    expect(first[0]).toMatchObject({ retry: '1000', data: '' });
    const [stream, zero] = first[0]!.id!.split(':');
    expect(zero).toBe('0');
    expect(first[1]).toMatchObject({ id: `${stream}:1` });
    expect(message(first[1]!)?.params?.progress).toBe(1);
    aborted.abort();
    return stream!;
  }
  const reconnect = (sid: string, lastEventId: string) =>
    fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastEventId } });

  it('primes the stream, numbers its events, and sends what was missed, the answer too, on a GET with Last-Event-ID', async () => {
    const sid = await session();
    const stream = await cutOff(sid, 7);
    // The tool goes on and answers while the client is away.
    release();
    const back = await reconnect(sid, `${stream}:1`);
    expect(back.status).toBe(200);
    const missed = await readEvents(back.body!, () => false);
    expect(missed.map((e) => e.id)).toEqual([`${stream}:2`, `${stream}:3`]);
    expect(message(missed[0]!)?.params?.progress).toBe(2);
    expect(message(missed[1]!)).toMatchObject({ id: 7, result: { content: [{ text: 'slow answer' }] } });
    // Taken: the same Last-Event-ID now opens the session's notification stream, which sends nothing of it again
    // (read for a moment: a replay would come at once).
    const again = await reconnect(sid, `${stream}:1`);
    expect(again.status).toBe(200);
    const reader = again.body!.getReader();
    const first = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r('nothing'), 300))]);
    expect(first).toBe('nothing');
    await reader.cancel();
  });

  it('a call the client cancelled stops holding its place among the calls in flight', async () => {
    // One call in flight at a time on this server's sessions.
    const one = createServer({ name: 'one', version: '1.0.0', logger: silentLogger });
    one.tool('slow', { description: 'Reports progress and waits', input: z.object({}) }, async (_a, ctx) => {
      await ctx.progress(1, 2, 'half way');
      return new Promise<string>(() => {});
    });
    one.tool('quick', { description: 'Answers at once', input: z.object({}) }, () => 'quick answer');
    const handle = await one.serveHttp({ port: 0, maxInflightPerSession: 1 });
    try {
      const sid = await session(handle.url);
      await cutOff(sid, 9, handle.url);
      const quick = () =>
        fetch(handle.url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': sid }, body: JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'quick', arguments: {} } }) }).then(
          (r) => r.json() as Promise<{ result?: unknown; error?: { message: string } }>,
        );
      // Cut off, the call is kept for its client to come back: it still holds the session's one place.
      expect((await quick()).error?.message).toContain('Too many requests in flight on this session');
      const cancel = await fetch(handle.url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': sid }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9, reason: 'user' } }) });
      expect(cancel.status).toBe(202);
      expect(await quick()).toMatchObject({ result: { content: [{ text: 'quick answer' }] } });
    } finally {
      await handle.close();
    }
  });

  it('a client back before the answer gets the rest on the new stream as it comes', async () => {
    const sid = await session();
    const stream = await cutOff(sid, 8);
    const back = await reconnect(sid, `${stream}:1`);
    expect(back.status).toBe(200);
    release();
    const rest = await readEvents(back.body!, () => false);
    expect(rest.map((e) => e.id)).toEqual([`${stream}:2`, `${stream}:3`]);
    expect(message(rest[1]!)).toMatchObject({ id: 8, result: { content: [{ text: 'slow answer' }] } });
  });

  it('answers with JSON, without ids, when nothing comes before the answer', async () => {
    const sid = await session();
    const res = await fetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': sid }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quick', arguments: {} } }) });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ id: 1, result: { content: [{ text: 'quick answer' }] } });
  });

  it('a handler ends its stream before the answer (ctx.closeStream): the client gets the answer on its reconnection', async () => {
    const sid = await session();
    const post = await fetch(url, {
      method: 'POST',
      headers: { ...HEADERS, 'mcp-session-id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'polled', arguments: { wait: true } } }),
    });
    expect(post.headers.get('content-type')).toBe('text/event-stream');
    // The whole POST stream: the priming event only, then its end; the call goes on.
    const first = await readEvents(post.body!, () => false);
    expect(first).toEqual([{ id: expect.stringMatching(/:0$/), retry: '1000', data: '' }]);
    expect(closed.slice(-2)).toEqual([true, false]);
    releasePolled();
    const get = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', 'last-event-id': first[0]!.id! } });
    const rest = await readEvents(get.body!, (events) => events.some((e) => message(e)?.id === 1));
    expect(message(rest.at(-1)!)).toMatchObject({ id: 1, result: { content: [{ text: 'polled answer' }] } });
  });

  it('ctx.closeStream with the official SDK clients: a 2025-era one reconnects and gets the answer; on 2026-07-28 it is false and the call answers as usual', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const client = await connectHttp(url, era);
      try {
        const answer = await client.callTool({ name: 'polled', arguments: { wait: false } });
        expect(answer.content).toEqual([{ type: 'text', text: 'polled answer' }]);
        expect(closed.slice(-2)).toEqual([era === 'legacy', false]);
      } finally {
        await client.close();
      }
    }
  });

  it('a silent long answer becomes a resumable stream after the keep-alive interval, with keep-alive comments, and is resumed after a cut', async () => {
    let releaseSilent: () => void = () => {};
    const quiet = createServer({ name: 'quiet', version: '1.0.0', logger: silentLogger });
    quiet.tool('silent', { description: 'Says nothing until the test lets it answer', input: z.object({}) }, async () => {
      await new Promise<void>((r) => (releaseSilent = r));
      return 'silent answer';
    });
    const handle = await quiet.serveHttp({ port: 0, streamKeepAliveMs: 100 });
    try {
      const sid = await session(handle.url);
      const cut = new AbortController();
      const post = await fetch(handle.url, {
        method: 'POST',
        headers: { ...HEADERS, 'mcp-session-id': sid },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'silent', arguments: {} } }),
        signal: cut.signal,
      });
      // No answer yet: after one to two intervals the answer is a stream, primed, then kept alive by comments.
      expect(post.headers.get('content-type')).toBe('text/event-stream');
      const seen = await readEvents(post.body!, (events) => events.length >= 3);
      expect(seen[0]).toEqual({ id: expect.stringMatching(/:0$/), retry: '1000', data: '' });
      expect(seen.slice(1)).toEqual([{ data: '' }, { data: '' }]);
      cut.abort();
      releaseSilent();
      const back = await fetch(handle.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', 'last-event-id': seen[0]!.id! } });
      const rest = await readEvents(back.body!, (events) => events.some((e) => message(e)?.id === 1));
      expect(message(rest.at(-1)!)).toMatchObject({ id: 1, result: { content: [{ text: 'silent answer' }] } });
    } finally {
      await handle.close();
    }
  });

  it("the official SDK client, its connection cut mid-call, reconnects on its own and gets the answer", async () => {
    // A TCP relay in front of the server whose connections the test cuts (a network that drops).
    const sockets = new Set<Socket>();
    const relay = createTcpServer((inbound) => {
      const outbound = connect(Number(new URL(url).port), '127.0.0.1');
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('error', () => {}).on('close', () => sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const via = new URL(url);
    via.port = String((relay.address() as AddressInfo).port);
    const client = await connectHttp(via.href, 'legacy');
    try {
      let cut = false;
      const answer = await client.callTool(
        { name: 'slow', arguments: {} },
        {
          onprogress: (p) => {
            if (cut || p.progress !== 1) return;
            cut = true;
            for (const s of sockets) s.destroy();
            release();
          },
        },
      );
      expect(cut).toBe(true);
      expect(answer.content).toEqual([{ type: 'text', text: 'slow answer' }]);
    } finally {
      await client.close().catch(() => {});
      for (const s of sockets) s.destroy();
      await new Promise((r) => relay.close(r));
    }
  });
});
