// Callers with DPoP-bound tokens (RFC 9449) at the gateway: a real authorization server (oidc-provider, DPoP on)
// issues a machine client a JWT bound to the client's key (client credentials, the token request proven with that
// key), and the official SDK client sends each request with `Authorization: DPoP` and a fresh proof (its `withDpop`
// fetch). The gateway (auth.jwt against the provider's key set) serves it; the same token without its proof, or as a
// bearer token, is refused with a DPoP challenge. With `cluster:`, a proof presented to one replica is refused by the others.
import { Client, DpopSession, StreamableHTTPClientTransport, withDpop } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { freePort } from '../helpers/http.js';
import { dpopBoundToken, type Idp, startIdp } from '../helpers/oidc-idp.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { FAST_RESTART, gatewayConfig, stdioServer } from './fixtures/helpers.js';

const SECRET = 'a-client-secret-0123456789';
const redisUrl = sharedRedisUrl('DPoP proofs across replicas');
let idp: Idp;
let gateway: Gateway;
let http: HttpHandle;
let url: string;

beforeAll(async () => {
  idp = await startIdp();
  const port = await freePort();
  url = `http://127.0.0.1:${port}/mcp`;
  idp.register('machine', SECRET, 'http://127.0.0.1:9/cb', { resource: url, accessTokenTtl: 300, dpop: true, jwtAccessTokens: true, clientCredentials: true });
  const config = { ...gatewayConfig(stdioServer('up')), auth: { jwt: { issuer: idp.issuer, audience: url, jwksUrl: `${idp.issuer}/jwks` } } };
  gateway = new Gateway(config as never, { logger: silentLogger, restart: FAST_RESTART });
  await gateway.start();
  http = await gateway.serveHttp({ port });
});
afterAll(async () => {
  await http.close();
  await gateway.close();
  await idp.close();
});

/** A token for the machine client, bound to `session`'s key. */
const boundToken = (session: DpopSession, at: Idp = idp, resource = url) => dpopBoundToken(at, 'machine', SECRET, session, resource);

describe('a caller with a DPoP-bound token', () => {
  it('is served with a proof for each request, and refused without one or as a bearer token', async () => {
    const session = await DpopSession.create();
    const token = await boundToken(session);
    // The SDK client as its documentation has it: a token source and the DPoP fetch wrapper.
    const client = new Client({ name: 'dpop-caller', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { authProvider: { token: async () => token }, fetch: withDpop(session, () => token)(fetch) }));
    try {
      const called = await client.callTool({ name: 'up__echo', arguments: { text: 'bound' } });
      expect((called.content as Array<{ text: string }>)[0]!.text).toBe('up: bound');
      expect((await client.listTools()).tools.some((t) => t.name === 'up__whoami')).toBe(true);
    } finally {
      await client.close();
    }

    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    const asBearer = await post({ authorization: `Bearer ${token}` });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token".*algs="/);
    const noProof = await post({ authorization: `DPoP ${token}` });
    expect(noProof.status).toBe(401);
    expect(noProof.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
    // Another client's key cannot prove it.
    const thief = await DpopSession.create();
    const stolen = await post({ authorization: `DPoP ${token}`, dpop: await thief.buildProof({ htm: 'POST', htu: url, accessToken: token }) });
    expect(stolen.status).toBe(401);
    expect((await stolen.json()) as object).toMatchObject({ error: { message: expect.stringContaining('another key') } });
    // The metadata tells clients DPoP is accepted.
    const metadata = (await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url))).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: url, dpop_bound_access_tokens_required: false, dpop_signing_alg_values_supported: expect.arrayContaining(['ES256']) });
  });
});

describe.skipIf(!redisUrl)('replicas with cluster: behind one public URL', () => {
  it('refuse a proof on one replica that was presented to another', async () => {
    const own = await startIdp();
    const publicUrl = 'https://mcp.example.test/mcp';
    own.register('machine', SECRET, 'http://127.0.0.1:9/cb', { resource: publicUrl, accessTokenTtl: 300, dpop: true, jwtAccessTokens: true, clientCredentials: true });
    const config = {
      ...gatewayConfig(stdioServer('up')),
      auth: { resource: publicUrl, jwt: { issuer: own.issuer, audience: publicUrl, jwksUrl: `${own.issuer}/jwks` } },
      cluster: { redis: { url: redisUrl!, keyPrefix: uniquePrefix('dpop-cluster') } },
    };
    const replicas: Array<{ gateway: Gateway; http: HttpHandle }> = [];
    try {
      for (let i = 0; i < 2; i++) {
        const g = new Gateway(config as never, { logger: silentLogger, restart: FAST_RESTART });
        await g.start();
        replicas.push({ gateway: g, http: await g.serveHttp({ port: 0 }) });
      }
      const session = await DpopSession.create();
      const token = await boundToken(session, own, publicUrl);
      // A proof made for the public URL, as a client behind the balancer makes it, sent to one replica then the other.
      const proof = await session.buildProof({ htm: 'POST', htu: publicUrl, accessToken: token });
      const at = (i: number, dpop: string) =>
        fetch(replicas[i]!.http.url, { method: 'POST', headers: { authorization: `DPoP ${token}`, dpop, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) });
      expect((await at(0, proof)).status).toBe(200);
      const replayed = await at(1, proof);
      expect(replayed.status).toBe(401);
      expect((await replayed.json()) as object).toMatchObject({ error: { message: expect.stringContaining('presented before') } });
      // A fresh proof is accepted there.
      expect((await at(1, await session.buildProof({ htm: 'POST', htu: publicUrl, accessToken: token }))).status).toBe(200);
    } finally {
      for (const { gateway, http } of replicas) {
        await http.close();
        await gateway.close();
      }
      await own.close();
    }
  });
});

describe('behind a TLS-terminating proxy (listen.trustedProxies), with no auth.resource', () => {
  it('names the public https URL its proxy forwards (X-Forwarded-Proto and -Host), and checks proofs made for it; not from an untrusted peer, nor a host outside allowedHosts', async () => {
    const own = await startIdp();
    const publicUrl = 'https://mcp.example.test/mcp';
    own.register('machine', SECRET, 'http://127.0.0.1:9/cb', { resource: publicUrl, accessTokenTtl: 300, dpop: true, jwtAccessTokens: true, clientCredentials: true });
    const base = gatewayConfig(stdioServer('up'));
    const served: Array<{ gateway: Gateway; http: HttpHandle }> = [];
    const serve = async (trustedProxies?: string[]) => {
      const listen = { ...base.listen, allowedHosts: ['localhost', '127.0.0.1', 'mcp.example.test'], ...(trustedProxies && { trustedProxies }) };
      const g = new Gateway({ ...base, listen, auth: { jwt: { issuer: own.issuer, audience: publicUrl, jwksUrl: `${own.issuer}/jwks` } } } as never, { logger: silentLogger, restart: FAST_RESTART });
      served.push({ gateway: g, http: await g.start().then(() => g.serveHttp({ port: 0 })) });
      return served.at(-1)!.http.url;
    };
    try {
      const [behind, direct] = [await serve(['loopback']), await serve()];
      const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.test', 'x-forwarded-for': '203.0.113.5' };
      const metadataAt = async (url: string, headers: Record<string, string>) =>
        ((await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url), { headers })).json()) as { resource: string }).resource;
      expect(await metadataAt(behind, proxied)).toBe(publicUrl);
      // The host a client slipped past the proxy is not one the gateway serves: its Host names the resource.
      expect(await metadataAt(behind, { ...proxied, 'x-forwarded-host': 'evil.example' })).toBe(`https://${new URL(behind).host}/mcp`);
      // Nobody's headers are taken from a peer not trusted.
      expect(await metadataAt(direct, proxied)).toBe(direct);

      const session = await DpopSession.create();
      const token = await boundToken(session, own, publicUrl);
      const initialize = async (url: string, headers: Record<string, string>) =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `DPoP ${token}`, dpop: await session.buildProof({ htm: 'POST', htu: publicUrl, accessToken: token }), 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
        });
      expect((await initialize(behind, proxied)).status).toBe(200);
      for (const [url, headers] of [[behind, {}], [direct, proxied]] as const) {
        const refused = await initialize(url, headers);
        expect(refused.status).toBe(401);
        expect((await refused.json()) as object).toMatchObject({ error: { message: expect.stringContaining(`made for another URL than ${url}`) } });
      }
      // The challenge sends a client without a token to the public metadata.
      const challenge = (await fetch(behind, { method: 'POST', headers: { 'content-type': 'application/json', ...proxied }, body: '{}' })).headers.get('www-authenticate');
      expect(challenge).toContain('resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"');
    } finally {
      for (const { gateway, http } of served) {
        await http.close();
        await gateway.close();
      }
      await own.close();
    }
  });
});

describe('auth.jwt.dpopNonce: proofs carry a nonce the gateway handed out (RFC 9449 §9)', () => {
  it('the SDK client takes the nonce from the challenge and is served; a proof without one, or with a made-up one, is answered with the nonce to use; replicas with the same key take each other’s', async () => {
    const own = await startIdp();
    const publicUrl = `http://127.0.0.1:${await freePort()}/mcp`;
    own.register('machine', SECRET, 'http://127.0.0.1:9/cb', { resource: publicUrl, accessTokenTtl: 300, dpop: true, jwtAccessTokens: true, clientCredentials: true });
    const config = {
      ...gatewayConfig(stdioServer('up')),
      auth: { resource: publicUrl, jwt: { issuer: own.issuer, audience: publicUrl, jwksUrl: `${own.issuer}/jwks`, dpopNonce: { key: 'a-dpop-nonce-key-0123456789abcdef' } } },
    };
    const replicas: Array<{ gateway: Gateway; http: HttpHandle }> = [];
    try {
      for (const port of [Number(new URL(publicUrl).port), 0]) {
        const g = new Gateway(config as never, { logger: silentLogger, restart: FAST_RESTART });
        await g.start();
        replicas.push({ gateway: g, http: await g.serveHttp({ port }) });
      }
      const session = await DpopSession.create();
      const token = await boundToken(session, own, publicUrl);
      // Made before the session has seen a nonce: a proof without one.
      const bare = await session.buildProof({ htm: 'POST', htu: publicUrl, accessToken: token });
      const client = new Client({ name: 'dpop-nonce-caller', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: { token: async () => token }, fetch: withDpop(session, () => token)(fetch) }));
      try {
        const called = await client.callTool({ name: 'up__echo', arguments: { text: 'with a nonce' } });
        expect((called.content as Array<{ text: string }>)[0]!.text).toBe('up: with a nonce');
      } finally {
        await client.close();
      }
      const nonce = session.nonceFor(publicUrl);
      expect(nonce).toMatch(/^[0-9a-z]+\.[\w-]{22}$/);

      const at = (i: number, dpop: string) =>
        fetch(replicas[i]!.http.url, { method: 'POST', headers: { authorization: `DPoP ${token}`, dpop, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) });
      const proof = (with_?: string) => session.buildProof({ htm: 'POST', htu: publicUrl, accessToken: token, ...(with_ !== undefined && { nonce: with_ }) });
      for (const made of [bare, await proof('made-up.nonce')]) {
        const refused = await at(0, made);
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
        expect(refused.headers.get('dpop-nonce')).toBe(nonce);
      }
      // The other replica (same key) takes the nonce the first handed out.
      const other = await at(1, await proof(nonce));
      expect(other.status).toBe(200);
      expect(other.headers.get('dpop-nonce')).toBeNull();
    } finally {
      for (const { gateway, http } of replicas) {
        await http.close();
        await gateway.close();
      }
      await own.close();
    }
  });
});
