// Signed identity claims, gateway → framework upstream: the gateway stamps the caller's identity in `_meta`
// (HMAC-SHA256), identityClaims() in an mcplex upstream verifies it and sets ctx.principal; missing, forged,
// expired, mis-addressed and smuggled claims are refused or replaced, and both keep serving.
import type { Client } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { createServer, type HttpHandle } from '../../src/index.js';
import { IDENTITY_META, identityClaims, signIdentity } from '../../src/middleware/identity-claims.js';
import { clientAs, testPrincipal, text } from '../gateway/isolation/fixtures.js';

const KEY = 'k'.repeat(16) + 'test-identity-key-0123456789';
const ALICE = { id: 'alice', kind: 'jwt', tenant: 't1', scopes: ['read'], claims: {} } as const;

function upstreamServer(onMissing: 'reject' | 'anonymous') {
  const server = createServer({ name: 'idp', version: '1.0.0', logger: silentLogger });
  server.use(identityClaims({ key: KEY, audience: 'idp', onMissing }));
  server.tool('me', { description: 'Who the gateway says is calling' }, (_args, ctx) => JSON.stringify({ id: ctx.principal.id, tenant: ctx.principal.tenant, scopes: ctx.principal.scopes }));
  return server;
}

let strict: HttpHandle;
let lenient: HttpHandle;
let gateway: Gateway;
let gatewayUrl: string;
let closeGatewayHttp: () => Promise<void>;
const clients: Client[] = [];
const as = async (url: string, era: 'legacy' | 'modern', headers: Record<string, string> = {}) => {
  const c = await clientAs(url, era, headers);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  strict = await upstreamServer('reject').serveHttp({ port: 0 });
  lenient = await upstreamServer('anonymous').serveHttp({ port: 0 });
  const yaml = `servers:\n  idp:\n    url: "${strict.url}"\n    identity: { key: "\${ID_KEY}", ttlSeconds: 120 }\n`;
  gateway = new Gateway(parseConfig(yaml, { format: 'yaml', env: { ID_KEY: KEY } }), { logger: silentLogger });
  gateway.use(testPrincipal);
  await gateway.start();
  const http = await gateway.serveHttp({ port: 0 });
  gatewayUrl = http.url;
  closeGatewayHttp = () => http.close();
});
afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await closeGatewayHttp?.();
  await gateway?.close();
  await strict?.close();
  await lenient?.close();
});

describe('through the gateway', () => {
  it.each(['legacy', 'modern'] as const)('%s era: the upstream sees the caller the gateway authenticated', async (era) => {
    const alice = await as(gatewayUrl, era, { 'x-test-principal': 'alice' });
    expect(JSON.parse(await text(alice, 'idp__me'))).toEqual({ id: 'alice', tenant: 't1', scopes: ['read'] });
    const bob = await as(gatewayUrl, era, { 'x-test-principal': 'bob' });
    expect(JSON.parse(await text(bob, 'idp__me')).id).toBe('bob');
  });

  it('lists the catalog as itself (the upstream refuses unsigned requests, yet its tools are listed)', async () => {
    const client = await as(gatewayUrl, 'legacy', { 'x-test-principal': 'alice' });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['idp__me']);
  });

  it('drops claims a caller smuggles in _meta, even validly signed ones, and stamps its own', async () => {
    const mallory = await as(gatewayUrl, 'legacy', { 'x-test-principal': 'mallory' });
    const stolen = await signIdentity(ALICE, { key: KEY, audience: 'idp' });
    const res = await mallory.callTool({ name: 'idp__me', arguments: {}, _meta: { [IDENTITY_META]: stolen } });
    expect(JSON.parse((res.content as Array<{ text: string }>)[0]!.text).id).toBe('mallory');
  });
});

describe('an upstream called directly (not through the gateway)', () => {
  const call = async (meta: Record<string, unknown> | undefined) => {
    const client = await as(strict.url, 'legacy');
    return client.callTool({ name: 'me', arguments: {}, ...(meta && { _meta: meta }) }).then(
      (r) => ({ ok: r }),
      (e: { code: number; message: string }) => ({ code: e.code, message: e.message }),
    );
  };
  const sign = (claims: Record<string, unknown>, key: string, exp: number | string, aud = 'idp', alg = 'HS256') =>
    new SignJWT(claims).setProtectedHeader({ alg }).setSubject('alice').setIssuer('mcplex-gateway').setAudience(aud).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(key));

  it('refuses a missing, forged, expired, mis-addressed or malformed identity, and keeps serving', async () => {
    expect(await call(undefined)).toMatchObject({ code: -32010, message: expect.stringMatching(/only through the gateway/) });
    const forged = await sign({ scopes: ['admin'] }, 'x'.repeat(48), '2m');
    expect(await call({ [IDENTITY_META]: forged })).toMatchObject({ code: -32010, message: expect.stringMatching(/not valid/) });
    const expired = await sign({}, KEY, Math.floor(Date.now() / 1000) - 3600);
    expect(await call({ [IDENTITY_META]: expired })).toMatchObject({ code: -32010, message: expect.stringMatching(/expired/) });
    const elsewhere = await sign({}, KEY, '2m', 'other-server');
    expect(await call({ [IDENTITY_META]: elsewhere })).toMatchObject({ code: -32010, message: expect.stringMatching(/not valid/) });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'alice', iss: 'mcplex-gateway', aud: 'idp', iat: 1, exp: 9e9 })).toString('base64url')}.`;
    expect(await call({ [IDENTITY_META]: none })).toMatchObject({ code: -32010 });
    expect(await call({ [IDENTITY_META]: 42 })).toMatchObject({ code: -32010, message: expect.stringMatching(/malformed/) });
    const good = await signIdentity(ALICE, { key: KEY, audience: 'idp' });
    const ok = await call({ [IDENTITY_META]: good });
    expect('ok' in ok && JSON.parse((ok.ok.content as Array<{ text: string }>)[0]!.text).id).toBe('alice');
  });

  it("with onMissing: 'anonymous', serves unsigned calls as anonymous but still refuses forged ones", async () => {
    const client = await as(lenient.url, 'modern');
    expect(JSON.parse(await text(client, 'me')).id).toBe('anonymous');
    const forged = await sign({}, 'y'.repeat(48), '2m');
    const err = await client.callTool({ name: 'me', arguments: {}, _meta: { [IDENTITY_META]: forged } }).then(
      () => undefined,
      (e: { code: number }) => e.code,
    );
    expect(err).toBe(-32010);
  });
});
