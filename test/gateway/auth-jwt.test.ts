// The gateway's `auth.jwt` from config against a JWKS served on 127.0.0.1: the SDK client with a valid token reaches
// the upstream in both eras as the mapped principal; expired, foreign-audience and under-scoped tokens are refused.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CallContext, Gateway, type HttpHandle, parseConfig, silentLogger } from '../../src/index.js';
import { post } from '../helpers/http.js';
import { connectWith } from '../middleware/auth-fixture.js';
import { fixtureServer } from './fixtures/cli.js';

const ISSUER = 'https://issuer.test';
const RESOURCE = 'https://gateway.test/mcp';

describe('gateway JWT authentication from config', () => {
  let jwks: Server;
  let gateway: Gateway;
  let handle: HttpHandle;
  let sign: (claims: Record<string, unknown>, o?: { exp?: number; aud?: string }) => Promise<string>;
  const seen: string[] = [];

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'gw-1', alg: 'ES256' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    sign = (claims, o = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'gw-1' })
        .setIssuer(ISSUER)
        .setAudience(o.aud ?? RESOURCE)
        .setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 300)
        .sign(privateKey);
    const config = parseConfig(
      stringify({
        listen: { host: '127.0.0.1', port: 0 },
        auth: { resource: RESOURCE, jwt: { issuer: ISSUER, audience: RESOURCE, jwksUrl, requiredScopes: ['mcp'], claims: { id: 'email', tenant: 'org', roles: 'groups' } } },
        servers: { demo: fixtureServer('demo') },
      }),
      { format: 'yaml' },
    );
    gateway = new Gateway(config, { logger: silentLogger });
    gateway.use(async (ctx: CallContext, next) => {
      if (ctx.method === 'tools/call') seen.push(`${ctx.principal.kind}:${ctx.principal.id}@${ctx.principal.tenant}:${ctx.principal.roles?.join('+')}`);
      return next();
    });
    await gateway.start();
    handle = await gateway.serveHttp({ port: 0 });
  });
  afterAll(async () => {
    await handle?.close();
    await gateway?.close();
    await new Promise((r) => jwks?.close(r));
  });

  for (const era of ['legacy', 'modern'] as const) {
    it(`forwards the calls of a valid token's holder (${era}), as the principal its claims name`, async () => {
      const token = await sign({ email: 'ann@acme.test', org: 'acme', groups: ['dev', 'ops'], scope: 'mcp' });
      const client = await connectWith(handle.url, era, { authorization: `Bearer ${token}` });
      const res = await client.callTool({ name: 'demo__echo', arguments: { text: era } });
      expect((res.content as Array<{ text: string }>)[0]?.text).toBe(`demo: ${era}`);
      expect(seen.at(-1)).toBe('jwt:ann@acme.test@acme:dev+ops');
      await client.close();
    });
  }

  it('refuses expired, foreign-audience and under-scoped tokens with the right status and challenge', async () => {
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    const expired = await post(handle.url, ping, { authorization: `Bearer ${await sign({ email: 'a', scope: 'mcp' }, { exp: 1_000_000 })}` });
    expect(expired.status).toBe(401);
    expect(String(expired.headers['www-authenticate'])).toBe(
      'Bearer realm="mcplex", resource_metadata="https://gateway.test/.well-known/oauth-protected-resource/mcp", error="invalid_token", error_description="Invalid token: the token has expired"',
    );
    const foreign = await post(handle.url, ping, { authorization: `Bearer ${await sign({ email: 'a', scope: 'mcp' }, { aud: 'https://other.test/mcp' })}` });
    expect(foreign.status).toBe(401);
    const weak = await post(handle.url, ping, { authorization: `Bearer ${await sign({ email: 'a', scope: 'read' })}` });
    expect(weak.status).toBe(403);
    expect(String(weak.headers['www-authenticate'])).toMatch(/error="insufficient_scope", error_description="Insufficient scope: the token lacks mcp", scope="mcp"$/);
    const meta = await fetch(new URL('/.well-known/oauth-protected-resource', handle.url));
    expect(await meta.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [ISSUER], scopes_supported: ['mcp'] });
  });
});
