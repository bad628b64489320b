// Opaque access tokens checked by introspection (RFC 7662) against a real authorization server (oidc-provider with
// opaque tokens and its introspection endpoint): a machine's client-credentials token for this server calls a tool
// as that client (the claim map naming `client_id` the id); a token revoked at the server, an unknown one, and one
// for another resource are refused 401 with the Bearer challenge; the metadata names the authorization server.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { importPKCS8 } from 'jose';
import * as oidc from 'openid-client';
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

  it('refuses a token the server said no to again for a while without asking it (a flood of made-up tokens stays here); a burst with one token asks once', async () => {
    const real = globalThis.fetch;
    let asked = 0;
    globalThis.fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes('introspection')) asked++;
      return real(input, init);
    };
    const authenticate = (auth: ReturnType<typeof createAuthenticator>, token: string) => auth.authenticate({ header: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined) });
    try {
      const options = { issuer: idp.issuer, clientId: 'machine', clientSecret: SECRET, audience: resource, claims: { id: 'client_id' } };
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
      // A burst with one token new here (a client's parallel requests): asked about once, every request answered.
      const bearer = await token();
      const burst = await Promise.all(Array.from({ length: 20 }, () => authenticate(always, bearer)));
      expect(asked).toBe(5);
      expect(new Set(burst.map((o) => ('principal' in o ? o.principal.id : o.refusal.description)))).toEqual(new Set(['machine']));
      await Promise.all(Array.from({ length: 20 }, () => authenticate(always, 'made-up-token-0004')));
      expect(asked).toBe(6);
      // Once answered, asked again (nothing kept here: verifiedCacheMs and refusedCacheMs are 0).
      await authenticate(always, bearer);
      expect(asked).toBe(7);
    } finally {
      globalThis.fetch = real;
    }
  });

  it('asks about at most auth.refusalLimit made-up tokens a window from one client address (behind a trusted proxy); others still get in', async () => {
    const real = globalThis.fetch;
    let asked = 0;
    globalThis.fetch = (input, init) => {
      if (String(input instanceof Request ? input.url : input).includes('introspection')) asked++;
      return real(input, init);
    };
    const port = await freePort();
    const config = parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port, trustedProxies: ['loopback'] },
        auth: { introspection: { issuer: idp.issuer, clientId: 'machine', clientSecret: SECRET, audience: resource, claims: { id: 'client_id' } }, refusalLimit: { limit: 5, windowMs: 60_000 } },
        servers: { demo: fixtureServer('demo') },
      }),
      { format: 'yaml' },
    );
    const gateway = new Gateway(config, { logger: silentLogger });
    await gateway.start();
    const http = await gateway.serveHttp({ port });
    const from = (address: string, bearer: string) => rawRequest(http.url, { headers: { ...JSON_HEADERS, authorization: `Bearer ${bearer}`, 'x-forwarded-for': address }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await from('203.0.113.50', `made-up-flood-${i}`)).status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(25);
      expect(asked).toBe(5);
      const bearer = await token();
      // A real token, new here, from the flooding address: not checked either.
      expect((await from('203.0.113.50', bearer)).status).toBe(429);
      expect(asked).toBe(5);
      // From another client behind the same proxy it is asked about and let in.
      expect((await from('203.0.113.51', bearer)).status).toBe(200);
      expect(asked).toBe(6);
      const { body } = await gateway.metrics!.scrape();
      expect(body).toContain('mcp_auth_refusals_total{status="401",error="invalid_token"} 5');
      expect(body).toContain('mcp_auth_refusals_total{status="429",error="too_many_refusals"} 26');
    } finally {
      globalThis.fetch = real;
      await http.close();
      await gateway.close();
    }
  }, 30_000);

  it('takes no token while the authorization server cannot be reached, and says why', async () => {
    const down = createAuthenticator({ introspection: { issuer: 'http://127.0.0.1:9', clientId: 'machine', clientSecret: SECRET, audience: resource } });
    const outcome = await down.authenticate({ header: (name) => (name === 'authorization' ? 'Bearer opaque-token-0123' : undefined) });
    expect(outcome).toMatchObject({ refusal: { status: 401, error: 'invalid_token', description: expect.stringContaining('could not be checked with the authorization server') } });
  });
});

describe('auth.introspection with a private key (private_key_jwt: an authorization server that takes no client secrets)', () => {
  it('asks with a JWT signed by its key, in the framework and from the gateway file; another key is not let in', async () => {
    const keyed = await startIdp();
    const dir = mkdtempSync(join(tmpdir(), 'mcplex-introspection-'));
    const key = (name: string) => {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      writeFileSync(join(dir, name), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      return pair;
    };
    const own = key('gateway.key');
    key('other.key');
    const port = await freePort();
    const here = `http://127.0.0.1:${port}/mcp`;
    keyed.register('machine', 'unused', 'http://127.0.0.1:9/cb', { resource: here, accessTokenTtl: 300, clientCredentials: true, introspection: true, clientJwks: [{ ...own.publicKey.export({ format: 'jwk' }), kid: 'gw-1', alg: 'ES256', use: 'sig' }] });
    const asMachine = await oidc.discovery(new URL(keyed.issuer), 'machine', undefined, oidc.PrivateKeyJwt({ key: await importPKCS8(own.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'ES256'), kid: 'gw-1' }), { execute: [oidc.allowInsecureRequests] });
    const bearer = (await oidc.clientCredentialsGrant(asMachine, { scope: 'mcp', resource: here })).access_token;
    const options = { issuer: keyed.issuer, clientId: 'machine', audience: here, claims: { id: 'client_id' } };
    const withKey = (file: string) => createAuthenticator({ introspection: { ...options, privateKeyFile: join(dir, file), keyId: 'gw-1' }, verifiedCacheMs: 0 });
    const authenticate = (auth: ReturnType<typeof createAuthenticator>) => auth.authenticate({ header: (name) => (name === 'authorization' ? `Bearer ${bearer}` : undefined) });
    const config = parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port },
        auth: { introspection: { ...options, privateKeyFile: join(dir, 'gateway.key'), keyId: 'gw-1' } },
        servers: { demo: fixtureServer('demo') },
      }),
      { format: 'yaml' },
    );
    const gateway = new Gateway(config, { logger: silentLogger });
    try {
      expect(await authenticate(withKey('gateway.key'))).toMatchObject({ principal: { id: 'machine', scopes: ['mcp'] } });
      expect(await authenticate(withKey('other.key'))).toMatchObject({ refusal: { status: 401, description: expect.stringMatching(/it answered invalid_client.*did not take this server's client id and secret or key/) } });
      await gateway.start();
      const http = await gateway.serveHttp({ port });
      try {
        expect((await ping(http.url, bearer)).status).toBe(200);
        expect((await ping(http.url, 'no-such-token-0123456789')).status).toBe(401);
      } finally {
        await http.close();
      }
    } finally {
      await gateway.close();
      await keyed.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('is a config error without a secret or a key, or with both', () => {
    const parse = (introspection: object) => () => parseConfig(stringify({ auth: { introspection: { issuer: 'https://as.example.com', clientId: 'gw', audience: 'https://mcp.example.com/mcp', ...introspection } }, servers: {} }), { format: 'yaml' });
    expect(parse({})).toThrow(/auth\.introspection: the authorization server asks who is asking: give clientSecret .* or privateKeyFile/);
    expect(parse({ clientSecret: 's', privateKeyFile: '/k' })).toThrow(/auth\.introspection: give clientSecret or privateKeyFile .*, not both/);
    expect(parse({ clientSecret: 's', keyId: 'k' })).toThrow(/auth\.introspection: signingAlg, keyId and certificateFile go with privateKeyFile/);
  });
});
