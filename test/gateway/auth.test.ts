// The gateway with an `auth:` section: API keys from config, the official SDK client with its key in both eras
// through to a demo upstream, refusals that leave the gateway serving, admin routes and readiness detail behind
// the admin scope, and the stdio (local) principal.
import type { Client } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE, type CallContext, connectInMemory, ErrorCode, Gateway, type HttpHandle, newApiKey, parseConfig, sendJson, silentLogger } from '../../src/index.js';
import { post, rawRequest, rpcMessage } from '../helpers/http.js';
import { connectWith } from '../middleware/auth-fixture.js';
import { fixtureServer } from './fixtures/cli.js';

const alice = newApiKey();
const admin = newApiKey();

const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content[0]?.text ?? '');

describe('gateway authentication from config', () => {
  let gateway: Gateway;
  let handle: HttpHandle;
  const seen: Array<{ method: string; principal: string; kind: string; tenant?: string }> = [];
  const clients: Client[] = [];

  const configWith = (apiKeys: Record<string, unknown>) =>
    parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port: 0 },
        auth: { apiKeys, local: { id: 'me', scopes: [ADMIN_SCOPE] } },
        servers: { demo: fixtureServer('demo') },
      }),
      { format: 'yaml' },
    );
  const keys = { [alice.hash]: { id: 'alice', tenant: 'acme', scopes: ['tools'] }, [admin.hash]: { id: 'ops', scopes: [ADMIN_SCOPE] } };

  beforeAll(async () => {
    gateway = new Gateway(configWith(keys), { logger: silentLogger });
    gateway.use(async (ctx: CallContext, next) => {
      seen.push({ method: ctx.method, principal: ctx.principal.id, kind: ctx.principal.kind, ...(ctx.principal.tenant && { tenant: ctx.principal.tenant }) });
      return next();
    });
    gateway.routes.push({ method: 'GET', path: '/admin/ping', admin: true, handle: (_req, res) => sendJson(res, 200, { pong: true }) });
    await gateway.start();
    handle = await gateway.serveHttp({ port: 0 });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await handle?.close();
    await gateway?.close();
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`serves the SDK client (${era}) that sends its API key, as the key's principal`, async () => {
      const client = await connectWith(handle.url, era, { authorization: `Bearer ${alice.key}` });
      clients.push(client);
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('demo__echo');
      const from = seen.length;
      expect(text(await client.callTool({ name: 'demo__echo', arguments: { text: era } }))).toBe(`demo: ${era}`);
      expect(seen.slice(from)).toContainEqual({ method: 'tools/call', principal: 'alice', kind: 'apiKey', tenant: 'acme' });
    });

    it(`refuses the SDK client (${era}) without a key, and keeps serving`, async () => {
      await expect(connectWith(handle.url, era, {})).rejects.toThrow();
      await expect(connectWith(handle.url, era, { 'x-api-key': newApiKey().key })).rejects.toThrow();
      const client = await connectWith(handle.url, era, { 'x-api-key': alice.key });
      clients.push(client);
      expect(text(await client.callTool({ name: 'demo__echo', arguments: { text: 'again' } }))).toBe('demo: again');
    });
  }

  it('answers a request without credentials 401 with a challenge before any session or upstream work', async () => {
    const from = seen.length;
    const res = await post(handle.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'demo__echo', arguments: { text: 'x' } } });
    expect(res.status).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer realm="mcplex", resource_metadata=/);
    expect(rpcMessage(res).error?.code).toBe(ErrorCode.Unauthorized);
    expect(seen.length).toBe(from);
  });

  it('opens admin routes and readiness detail only to the admin scope', async () => {
    const origin = new URL(handle.url).origin;
    const get = (path: string, headers: Record<string, string> = {}) => rawRequest(`${origin}${path}`, { method: 'GET', headers });
    expect((await get('/admin/ping')).status).toBe(401);
    expect((await get('/admin/ping', { 'x-api-key': newApiKey().key })).status).toBe(401);
    expect((await get('/admin/ping', { 'x-api-key': alice.key })).status).toBe(403);
    const ok = await get('/admin/ping', { 'x-api-key': admin.key });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ pong: true });
    // Local callers no longer count as administrators once authentication is on.
    expect(JSON.parse((await get('/readyz')).text)).toEqual({ status: 'ready', ready: true });
    expect(JSON.parse((await get('/readyz', { 'x-api-key': alice.key })).text)).toEqual({ status: 'ready', ready: true });
    expect(JSON.parse((await get('/readyz', { 'x-api-key': admin.key })).text).upstreams).toEqual([expect.objectContaining({ name: 'demo' })]);
  });

  it('gives stdio callers the configured local principal', async () => {
    const client = await connectInMemory(gateway.host);
    clients.push(client);
    const from = seen.length;
    await client.callTool({ name: 'demo__echo', arguments: { text: 'local' } });
    expect(seen.slice(from)).toContainEqual({ method: 'tools/call', principal: 'me', kind: 'local' });
  });

  it('applies added and revoked keys on reload, without a restart', async () => {
    const carol = newApiKey();
    const call = (key: string) => post(handle.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'x-api-key': key, 'mcp-protocol-version': '2025-11-25' });
    expect((await call(carol.key)).status).toBe(401);
    const { [alice.hash]: _revoked, ...rest } = keys;
    await gateway.reload(configWith({ ...rest, [carol.hash]: { id: 'carol' } }));
    expect((await call(alice.key)).status).toBe(401);
    expect((await call(carol.key)).status).toBe(400); // past authentication: a ping needs a session
    await gateway.reload(configWith(keys));
    expect((await call(alice.key)).status).toBe(400);
  });
});
