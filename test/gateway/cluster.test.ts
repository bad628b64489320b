// Two gateway replicas sharing 2025-era sessions through Redis, behind a round-robin HTTP balancer that is not
// sticky: the official SDK client's session works whichever replica each request reaches (calls, progress on the
// answer's stream, an elicitation answered by a later POST, list_changed on the GET stream, a cut-off answer resumed
// with Last-Event-ID), lives on one replica, and is forgotten when the client ends it. An owner that cannot be
// reached is forgotten and the client told the session is gone; a request another replica already forwarded is
// never forwarded again. A legacy SSE session (GET /sse) lives where its stream is; its POSTs reach it from either.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, silentLogger } from '../../src/index.js';
import type { GatewayConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { RedisSessionOwners } from '../../src/stores/redis/session-owners.js';
import { JSON_HEADERS, openSession, post, rpcMessage } from '../helpers/http.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { readEvents, sseMessage } from '../helpers/sse.js';
import { waitGone, waitUntil } from '../helpers/process.js';
import { collect } from './fixtures/helpers.js';
import { relayUpstream } from './helpers/harness.js';

const redisUrl = sharedRedisUrl('gateway cluster');

/** A balancer that sends each request to the next backend in turn, and counts them. */
async function roundRobin(backends: () => string[]): Promise<{ url: string; counts: number[]; close(): Promise<void> }> {
  const counts = [0, 0];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const i = next++ % 2;
    counts[i]!++;
    const target = new URL(req.url ?? '/', backends()[i]);
    const out = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    counts,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.skipIf(!redisUrl)('gateway replicas sharing sessions through Redis', () => {
  const keyPrefix = uniquePrefix('cluster');
  const replicas: Array<{ gateway: Gateway; handle: HttpHandle; origin: string; clients: Array<string | undefined> }> = [];
  let balancer: Awaited<ReturnType<typeof roundRobin>>;
  let owners: RedisSessionOwners;
  const pids: number[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      // The replicas trust each other as proxies (all on loopback here).
      const config = { listen: { host: '127.0.0.1', port: 0, path: '/mcp', trustedProxies: ['loopback'] }, separator: '__', servers: { fw: relayUpstream() }, cluster: { redis: { url: redisUrl!, keyPrefix } } } as unknown as GatewayConfig;
      const gateway = new Gateway(config, { logger: silentLogger });
      // The client address each request's pipeline saw.
      const clients: Array<string | undefined> = [];
      gateway.use((ctx, next) => {
        clients.push(ctx.http?.remoteAddress);
        return next();
      });
      await gateway.start();
      const handle = await gateway.serveHttp({ port: 0 });
      replicas.push({ gateway, handle, origin: new URL(handle.url).origin, clients });
      pids.push(...gateway.health().upstreams.flatMap((u) => ('pid' in u && typeof u.pid === 'number' ? [u.pid] : [])));
    }
    balancer = await roundRobin(() => replicas.map((r) => r.origin));
    owners = new RedisSessionOwners({ url: redisUrl!, keyPrefix });
    await owners.ready();
  }, 60_000);
  afterAll(async () => {
    await balancer?.close();
    for (const r of replicas) {
      await r.handle.close();
      await r.gateway.close();
    }
    await owners?.close();
    await waitGone(pids, 10_000);
  }, 30_000);

  const sessions = () => replicas.map((r) => r.handle.sessionCount());

  it('serves one session across both replicas, streams included, and forgets it when the client ends it', async () => {
    const client = new Client({ name: 'cluster-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Ada' } }) as never);
    const transport = new StreamableHTTPClientTransport(new URL(balancer.url));
    await client.connect(transport);
    const changed = collect(client, 'notifications/tools/list_changed');
    const id = transport.sessionId!;
    expect(sessions().sort()).toEqual([0, 1]);
    const holder = replicas[sessions().indexOf(1)]!;
    expect(await owners.ownerOf(id)).toBe(holder.origin);

    const texts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await client.callTool({ name: 'fw__add_tool', arguments: { name: `t${i}` } });
      texts.push((r.content as Array<{ text: string }>)[0]!.text);
    }
    expect(texts).toEqual(['added t0', 'added t1', 'added t2', 'added t3', 'added t4', 'added t5']);
    // Notices on the session's GET stream, wherever the balancer put that stream.
    await changed.reached(1);
    const seen: number[] = [];
    await client.callTool({ name: 'fw__progress', arguments: {} }, { onprogress: (p) => seen.push(p.progress) });
    expect(seen).toEqual([1, 2, 3]);
    const asked = await client.callTool({ name: 'fw__ask', arguments: { question: 'name?' } });
    expect(JSON.stringify(asked.content)).toContain('Ada');
    // Both replicas took requests; the session stayed on its one.
    expect(Math.min(...balancer.counts)).toBeGreaterThanOrEqual(5);
    expect(sessions().sort()).toEqual([0, 1]);

    await transport.terminateSession();
    await waitUntil(() => (sessions().every((n) => n === 0) ? true : undefined), 5000, 'the session closed on its replica');
    await waitUntil(async () => ((await owners.ownerOf(id)) === undefined ? true : undefined), 5000, 'its claim released');
    await client.close();
  });

  it('a legacy SSE session lives on the replica holding its stream; its POSTs reach it through either', async () => {
    const client = new Client({ name: 'cluster-sse', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL('/sse', balancer.url));
    await client.connect(transport);
    expect(sessions().sort()).toEqual([0, 1]);
    const before = [...balancer.counts];
    const texts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await client.callTool({ name: 'fw__add_tool', arguments: { name: `s${i}` } });
      texts.push((r.content as Array<{ text: string }>)[0]!.text);
    }
    expect(texts).toEqual(['added s0', 'added s1', 'added s2', 'added s3']);
    // Both replicas took its POSTs; the one without the stream forwarded them.
    expect(balancer.counts.every((n, i) => n - before[i]! >= 2)).toBe(true);
    expect(sessions().sort()).toEqual([0, 1]);
    await client.close();
    await waitUntil(() => (sessions().every((n) => n === 0) ? true : undefined), 5000, 'the session closed with its stream');
  });

  it('a caller cut off mid-call comes back through a replica that does not hold its session and gets what it missed', async () => {
    const [other, holder] = [replicas[0]!, replicas[1]!];
    const init = await post(holder.handle.url, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: { elicitation: { form: {} } }, clientInfo: { name: 'raw-test', version: '1.0.0' } },
    });
    const headers = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
    expect((await post(holder.handle.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers)).status).toBe(202);
    // The call reaches the holder through the other replica; its stream is read up to the question, then dropped.
    const cut = new AbortController();
    const call = await fetch(other.handle.url, {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'fw__ask', arguments: { question: 'name?' } } }),
      signal: cut.signal,
    });
    const seen = await readEvents(call.body!, (events) => events.some((e) => sseMessage(e)?.method === 'elicitation/create'));
    cut.abort();
    const question = seen.at(-1)!;
    expect(question.id).toMatch(/:\d+$/);
    // Answered while the caller is away (through the other replica again); the answer to the call comes meanwhile.
    const answered = await post(other.handle.url, { jsonrpc: '2.0', id: sseMessage(question)!.id, result: { action: 'accept', content: { name: 'Ada' } } }, headers);
    expect(answered.status).toBe(202);
    const back = await fetch(other.handle.url, { headers: { accept: 'text/event-stream', ...headers, 'last-event-id': question.id! } });
    expect(back.status).toBe(200);
    const rest = await readEvents(back.body!, (events) => events.some((e) => sseMessage(e)?.id === 1));
    expect(sseMessage(rest.at(-1)!)).toMatchObject({ id: 1, result: { content: [{ text: expect.stringMatching(/^hello Ada/) }] } });
    expect(await owners.ownerOf(headers['mcp-session-id'])).toBe(holder.origin);
    await fetch(holder.handle.url, { method: 'DELETE', headers });
  });

  it('forgets an owner that does not answer, and tells the client its session is gone', async () => {
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const deadOrigin = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise<void>((r) => gone.close(() => r()));
    await owners.claim('stale-session', deadOrigin, 60_000);
    const res = await post(replicas[0]!.handle.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'stale-session', 'mcp-protocol-version': '2025-11-25' });
    expect(res.status).toBe(404);
    expect(rpcMessage(res).error?.code).toBe(ErrorCode.SessionNotFound);
    expect(await owners.ownerOf('stale-session')).toBeUndefined();
  });

  it('never forwards a forwarded request again', async () => {
    // A real session on replica 1; replica 0 forwards a request for it, unless another replica already did.
    const headers = await openSession(replicas[1]!.handle.url);
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const forwarded = await post(replicas[0]!.handle.url, list, headers);
    expect(forwarded.status).toBe(200);
    expect(rpcMessage(forwarded).result?.tools).toBeDefined();
    const again = await post(replicas[0]!.handle.url, list, { ...headers, 'x-mcplex-forwarded': 'http://elsewhere' });
    expect(again.status).toBe(404);
    expect(await owners.ownerOf(headers['mcp-session-id']!)).toBe(replicas[1]!.origin);
  });

  it('the replica holding the session sees the client the forwarding one was asked by (X-Forwarded-For)', async () => {
    const headers = await openSession(replicas[1]!.handle.url);
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    replicas[1]!.clients.length = 0;
    // Behind a balancer that names the client; and asked directly from 127.0.0.2, which only the forwarding replica
    // saw (it names it as a proxy does; the holder's own peer is that replica, 127.0.0.1).
    expect((await post(replicas[0]!.handle.url, list, { ...headers, 'x-forwarded-for': '203.0.113.77' })).status).toBe(200);
    const direct = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify(list);
      const out = request(replicas[0]!.handle.url, { method: 'POST', localAddress: '127.0.0.2', headers: { ...JSON_HEADERS, ...headers, 'content-length': String(body.length) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      out.on('error', reject);
      out.end(body);
    });
    expect(direct).toBe(200);
    expect(replicas[1]!.clients).toEqual(['203.0.113.77', '127.0.0.2']);
  });
});
