// A gateway with OAuth behind a reverse proxy that mounts it under a path prefix and strips it (X-Forwarded-Prefix,
// as Traefik's StripPrefix sends it; nothing outside the prefix is routed to the gateway), the proxy trusted
// (`listen.trustedProxies`): the 401 points at metadata inside the prefix, whose resource is the public URL under it,
// which the official SDK client's discovery accepts and follows to the authorization server (oidc-provider); a
// DPoP-bound token's proofs name that public URL and are accepted, and a proof for the URL without the prefix is not.
import { Client, DpopSession, discoverOAuthServerInfo, extractWWWAuthenticateParams, selectResourceURL, StreamableHTTPClientTransport, withDpop } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { freePort } from '../helpers/http.js';
import { dpopBoundToken, type Idp, startIdp } from '../helpers/oidc-idp.js';
import { FAST_RESTART, gatewayConfig, stdioServer } from './fixtures/helpers.js';
import { prefixProxy } from './helpers/prefix-proxy.js';

const SECRET = 'a-client-secret-0123456789';
let idp: Idp;
let gateway: Gateway;
let http: HttpHandle;
let proxy: Awaited<ReturnType<typeof prefixProxy>>;
/** The MCP URL clients are given: the proxy's, under /team. */
let publicUrl: string;

beforeAll(async () => {
  idp = await startIdp();
  const port = await freePort();
  proxy = await prefixProxy(`http://127.0.0.1:${port}`, '/team');
  publicUrl = `${proxy.origin}/team/mcp`;
  idp.register('machine', SECRET, 'http://127.0.0.1:9/cb', { resource: publicUrl, accessTokenTtl: 300, dpop: true, jwtAccessTokens: true, clientCredentials: true });
  const config = { ...gatewayConfig(stdioServer('up')), auth: { jwt: { issuer: idp.issuer, audience: publicUrl, jwksUrl: `${idp.issuer}/jwks` } } };
  config.listen = { ...config.listen, trustedProxies: ['loopback'] };
  gateway = new Gateway(config as never, { logger: silentLogger, restart: FAST_RESTART });
  await gateway.start();
  http = await gateway.serveHttp({ port });
});
afterAll(async () => {
  await proxy.close();
  await http.close();
  await gateway.close();
  await idp.close();
});

const ping = (headers: Record<string, string> = {}) =>
  fetch(publicUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });

describe('OAuth behind a proxy that mounts the gateway under a prefix', () => {
  it('points a caller without credentials at metadata under the prefix, naming the public resource', async () => {
    const refused = await ping();
    expect(refused.status).toBe(401);
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(refused);
    expect(resourceMetadataUrl?.href).toBe(`${proxy.origin}/team/.well-known/oauth-protected-resource/mcp`);
    // What the SDK client does with the challenge: reads the metadata there (through the proxy), checks that its
    // resource is the server it was given, and finds the authorization server.
    const found = await discoverOAuthServerInfo(publicUrl, { resourceMetadataUrl: resourceMetadataUrl! });
    expect(found.resourceMetadata?.resource).toBe(publicUrl);
    expect((await selectResourceURL(publicUrl, {} as never, found.resourceMetadata))?.href).toBe(publicUrl);
    expect(found.authorizationServerUrl.replace(/\/$/, '')).toBe(idp.issuer.replace(/\/$/, ''));
    expect(found.authorizationServerMetadata?.token_endpoint).toBe(`${idp.issuer}/token`);
  });

  it('takes DPoP proofs made for the public URL under the prefix, and refuses one made for the URL without it', async () => {
    const session = await DpopSession.create();
    const token = await dpopBoundToken(idp, 'machine', SECRET, session, publicUrl);
    const client = new Client({ name: 'dpop-behind-prefix', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(publicUrl), { authProvider: { token: async () => token }, fetch: withDpop(session, () => token)(fetch) }));
    try {
      expect(await client.callTool({ name: 'up__echo', arguments: { text: 'under /team' } })).toMatchObject({ content: [{ type: 'text', text: 'up: under /team' }] });
    } finally {
      await client.close();
    }
    const stripped = await ping({ authorization: `DPoP ${token}`, dpop: await session.buildProof({ htm: 'POST', htu: `${proxy.origin}/mcp`, accessToken: token }) });
    expect(stripped.status).toBe(401);
    expect((await stripped.json()) as object).toMatchObject({ error: { message: expect.stringContaining(`another URL than ${publicUrl}`) } });
  });
});
