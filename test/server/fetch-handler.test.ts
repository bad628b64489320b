// The web-standard entry (`server.fetchHandler()`), served the way a serverless platform would serve it (a real
// node:http listener turning each request into a web Request): official SDK clients of both eras (the 2025 era
// statelessly), every request admitted by the pipeline, API keys with the RFC 9728 challenge and metadata, a listen
// stream that hears list changes, and the edge's refusals (Origin, method, content type, body size, bad JSON).
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuthenticator, createServer, type McpFetchHandler, type McplexServer, newApiKey, silentLogger } from '../../src/index.js';
import { collect } from '../gateway/fixtures/helpers.js';
import { post } from '../helpers/http.js';
import { serveFetch } from '../helpers/serve-fetch.js';
import { TasksClient } from '../helpers/tasks-client.js';
import { connectWith } from '../middleware/auth-fixture.js';

const key = newApiKey();

describe('fetchHandler (serverless and edge runtimes)', () => {
  let server: McplexServer;
  let handler: McpFetchHandler;
  let served: { url: string; close(): Promise<void> };
  const seen: string[] = [];
  const clients: Client[] = [];
  const auth = { authorization: `Bearer ${key.key}` };

  beforeAll(async () => {
    server = createServer({ name: 'edge', version: '1.0.0', logger: silentLogger });
    server.tool('whoami', { description: 'Who is calling', input: z.object({}) }, (_a, ctx) => `${ctx.principal.id} (${ctx.era})`);
    server.tool('forecast', { description: 'Forecast', input: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) }) }, ({ region }) => `sunny in ${region}`);
    server.use((ctx, next) => {
      seen.push(ctx.method);
      return next();
    });
    handler = server.fetchHandler({ auth: createAuthenticator({ apiKeys: { [key.hash]: { id: 'edge-user' } } }), maxBodyBytes: 64 * 1024 });
    served = await serveFetch((request) => handler.fetch(request));
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await handler?.close();
    await served?.close();
  });

  const connect = async (era: 'legacy' | 'modern') => {
    const client = await connectWith(served.url, era, auth);
    clients.push(client);
    return client;
  };
  const text = (res: unknown) => ((res as { content: Array<{ text: string }> }).content[0] as { text: string }).text;

  it('serves the official SDK client of each era, every request through the pipeline', async () => {
    const modern = await connect('modern');
    expect(text(await modern.callTool({ name: 'whoami', arguments: {} }))).toBe('edge-user (modern)');
    expect(seen).toContain('server/discover');
    const legacy = await connect('legacy');
    expect((await legacy.listTools()).tools.map((t) => t.name)).toEqual(['whoami', 'forecast']);
    expect(text(await legacy.callTool({ name: 'whoami', arguments: {} }))).toBe('edge-user (legacy)');
    expect(seen).toEqual(expect.arrayContaining(['initialize', 'tools/list', 'tools/call']));
  });

  it('checks Mcp-Param headers (SEP-2243): the SDK client sends them, a disagreeing one is a 400 with -32020', async () => {
    const modern = await connect('modern');
    await modern.listTools();
    expect(text(await modern.callTool({ name: 'forecast', arguments: { region: 'Tromsø' } }))).toBe('sunny in Tromsø');
    const raw = new TasksClient(served.url, { headers: auth });
    const reply = await raw.request('tools/call', { name: 'forecast', arguments: { region: 'Oslo' } }, { 'Mcp-Param-Region': 'Bergen' });
    expect(reply.status).toBe(400);
    expect(reply.error?.code).toBe(-32020);
  });

  it('tells a listen stream of a tool added while it is open', async () => {
    const modern = await connect('modern');
    const changed = collect(modern, 'notifications/tools/list_changed');
    await modern.listen({ toolsListChanged: true });
    server.tool('added_later', { description: 'Added while listening', input: z.object({}) }, () => 'later');
    await changed.reached(1);
    expect((await modern.listTools()).tools.map((t) => t.name)).toContain('added_later');
  });

  it('asks for credentials with the RFC 9728 challenge, and serves the metadata it names', async () => {
    const bare = await post(served.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(bare.status).toBe(401);
    const challenge = String(bare.headers['www-authenticate']);
    const metadata = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadata).toBe(`${new URL(served.url).origin}/.well-known/oauth-protected-resource/mcp`);
    const doc = (await (await fetch(metadata!)).json()) as { resource: string };
    expect(doc.resource).toBe(served.url);
  });

  it("refuses what the edge refuses, before the pipeline hears of it", async () => {
    const before = seen.length;
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const evil = await post(served.url, list, { ...auth, origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect((await fetch(served.url, { headers: auth })).status).toBe(405);
    expect((await post(served.url, list, { ...auth, 'content-type': 'text/plain' })).status).toBe(415);
    const big = await post(served.url, { ...list, params: { pad: 'x'.repeat(70 * 1024) } }, auth);
    expect(big.status).toBe(413);
    const bad = await post(served.url, '{"jsonrpc": "2.0", "id": 1, "method": ', auth);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { code: -32700 } });
    expect(seen.length).toBe(before);
  });

  it('bounds refused credentials per caller address the platform names (refusalLimit), a key verified lately still gets in', async () => {
    const bounded = server.fetchHandler({
      auth: createAuthenticator({ apiKeys: { [key.hash]: { id: 'edge-user' } } }),
      remoteAddress: (request) => request.headers.get('cf-connecting-ip') ?? undefined,
      refusalLimit: { limit: 2, windowMs: 60_000 },
    });
    const edge = await serveFetch((request) => bounded.fetch(request));
    try {
      const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
      const from = (ip: string, bearer: string) => post(edge.url, list, { authorization: `Bearer ${bearer}`, 'cf-connecting-ip': ip });
      expect((await from('203.0.113.9', key.key)).status).toBe(200);
      expect((await from('203.0.113.9', 'mcplex_sk_guess1')).status).toBe(401);
      expect((await from('203.0.113.9', 'mcplex_sk_guess2')).status).toBe(401);
      const throttled = await from('203.0.113.9', 'mcplex_sk_guess3');
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('30');
      expect(JSON.parse(throttled.text)).toMatchObject({ error: { code: -32012, data: { limit: 'refusals' } } });
      expect((await from('203.0.113.9', key.key)).status).toBe(200);
      expect((await from('203.0.113.10', 'mcplex_sk_guess4')).status).toBe(401);
    } finally {
      await bounded.close();
      await edge.close();
    }
  });
});
