// Opaque access tokens checked by introspection (RFC 7662) against a real authorization server (oidc-provider with
// opaque tokens and its introspection endpoint): a machine's client-credentials token for this server calls a tool
// as that client (the claim map naming `client_id` the id); a token revoked at the server, an unknown one, and one
// for another resource are refused 401 with the Bearer challenge; the metadata names the authorization server.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stringify } from 'yaml';
import { createAuthenticator, createServer, Gateway, type HttpHandle, type IntrospectionOptions, parseConfig, silentLogger } from '../../src/index.js';
import { fixtureServer } from '../gateway/fixtures/cli.js';
import { freePort, JSON_HEADERS, rawRequest } from '../helpers/http.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';

const SECRET = 'a-machine-secret-0123456789';
let idp: Idp;
let resource: string;
const servers: HttpHandle[] = [];

/** A server whose callers' tokens are introspected with `extra` settings; its URL is `resource` unless told. */
async function serve(extra: Partial<IntrospectionOptions> = {}, port?: number): Promise<HttpHandle> {
  const server = createServer({ name: 'opaque', version: '1.0.0', logger: silentLogger });
  server.tool('whoami', { description: 'The caller', input: z.object({}) }, (_a, ctx) => `${ctx.principal.id} ${ctx.principal.scopes.join(' ')}`);
  const auth = createAuthenticator({ introspection: { issuer: idp.issuer, clientId: 'machine', clientSecret: SECRET, audience: resource, claims: { id: 'client_id' }, ...extra }, verifiedCacheMs: 0 });
  const http = await server.serveHttp({ auth, resource, ...(port && { port }) });
  servers.push(http);
  return http;
}

/** A client-credentials token for `resource` (opaque: the provider keeps what it stands for). */
async function token(): Promise<string> {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`machine:${SECRET}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'mcp' }),
  });
  const body = (await res.json()) as { access_token: string };
  expect(body.access_token.split('.')).toHaveLength(1);
  return body.access_token;
}

const ping = (url: string, bearer: string) => rawRequest(url, { headers: { ...JSON_HEADERS, authorization: `Bearer ${bearer}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) });

beforeAll(async () => {
  idp = await startIdp();
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  idp.register('machine', SECRET, 'http://127.0.0.1:9/cb', { resource, accessTokenTtl: 300, clientCredentials: true, introspection: true });
  await serve({}, port);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await idp?.close();
});

describe('auth.introspection', () => {
  it('serves a caller whose opaque token the authorization server vouches for, as the claim map says', async () => {
    const bearer = await token();
    const client = new Client({ name: 'machine', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(resource), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }));
    try {
      expect((await client.callTool({ name: 'whoami', arguments: {} })).content).toEqual([{ type: 'text', text: 'machine mcp' }]);
    } finally {
      await client.close();
    }
    const prm = (await (await fetch(`${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    expect(prm.authorization_servers).toEqual([idp.issuer]);
  });

  it('refuses a revoked token, an unknown one and one for another resource, with the challenge', async () => {
    const bearer = await token();
    expect((await ping(resource, bearer)).status).toBe(200);
    await idp.revoke(bearer);
    const revoked = await ping(resource, bearer);
    expect(revoked.status).toBe(401);
    expect(revoked.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
    expect(revoked.text).toContain('not active');
    expect((await ping(resource, 'no-such-token-0123456789')).status).toBe(401);
    const elsewhere = await serve({ audience: 'https://other.example.com/mcp' });
    const other = await ping(elsewhere.url, await token());
    expect(other.status).toBe(401);
    expect(other.text).toContain('another audience');
  });

  it('is the gateway file’s auth.introspection too', async () => {
    const port = await freePort();
    const config = parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port },
        auth: { introspection: { issuer: idp.issuer, clientId: 'machine', clientSecret: SECRET, audience: resource, claims: { id: 'client_id' } } },
        servers: { demo: fixtureServer('demo') },
      }),
      { format: 'yaml' },
    );
    const gateway = new Gateway(config, { logger: silentLogger });
    await gateway.start();
    const http = await gateway.serveHttp({ port });
    try {
      const client = new Client({ name: 'machine', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { authorization: `Bearer ${await token()}` } } }));
      expect((await client.callTool({ name: 'demo__whoami', arguments: {} })).content).toEqual([{ type: 'text', text: expect.stringContaining('demo') }]);
      await client.close();
      expect((await ping(http.url, 'no-such-token-0123456789')).status).toBe(401);
    } finally {
      await http.close();
      await gateway.close();
    }
  }, 30_000);

  it('refuses a token the server said no to again for a while without asking it (a flood of made-up tokens stays here)', async () => {
    const real = globalThis.fetch;
    let asked = 0;
    globalThis.fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes('introspection')) asked++;
      return real(input, init);
    };
    const authenticate = (auth: ReturnType<typeof createAuthenticator>, token: string) => auth.authenticate({ header: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined) });
    try {
      const options = { issuer: idp.issuer, clientId: 'machine', clientSecret: SECRET, audience: resource };
      const auth = createAuthenticator({ introspection: options, verifiedCacheMs: 0 });
      const first = await authenticate(auth, 'made-up-token-0001');
      expect(first).toMatchObject({ refusal: { status: 401, description: expect.stringContaining('not active') } });
      expect(await authenticate(auth, 'made-up-token-0001')).toEqual(first);
      expect(asked).toBe(1);
      await authenticate(auth, 'made-up-token-0002');
      expect(asked).toBe(2);
      const always = createAuthenticator({ introspection: { ...options, refusedCacheMs: 0 }, verifiedCacheMs: 0 });
      await authenticate(always, 'made-up-token-0003');
      await authenticate(always, 'made-up-token-0003');
      expect(asked).toBe(4);
    } finally {
      globalThis.fetch = real;
    }
  });

  it('takes no token while the authorization server cannot be reached, and says why', async () => {
    const down = createAuthenticator({ introspection: { issuer: 'http://127.0.0.1:9', clientId: 'machine', clientSecret: SECRET, audience: resource } });
    const outcome = await down.authenticate({ header: (name) => (name === 'authorization' ? 'Bearer opaque-token-0123' : undefined) });
    expect(outcome).toMatchObject({ refusal: { status: 401, error: 'invalid_token', description: expect.stringContaining('could not be checked with the authorization server') } });
  });
});
