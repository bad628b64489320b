// A framework server with the OAuth proxy, wired as docs/auth.md shows: the proxy's routes beside the MCP path, the
// JWT check naming the proxy as authorization server. An app on the official SDK client registers, a person approves
// and signs in at the identity provider (oidc-provider, no registration endpoint), and the app calls a tool as them.
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createAuthenticator, createServer, type HttpHandle, OAuthProxy, silentLogger } from '../../src/index.js';
import { Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/http.js';
import { AppProvider, approve, connect } from '../helpers/oauth-app.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';

let idp: Idp;
let http: HttpHandle;
let resource: string;

beforeAll(async () => {
  idp = await startIdp();
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  idp.register('notes-server', 'a-client-secret-0123456789', `http://127.0.0.1:${port}/oauth/idp-callback`, { resource, accessTokenTtl: 300, jwtAccessTokens: true });
  const proxy = new OAuthProxy(
    () => ({ resource, idpIssuer: idp.issuer, proxy: { clientId: 'notes-server', clientSecret: 'a-client-secret-0123456789', scopes: ['openid', 'mcp'], key: 'a-framework-proxy-key-0123456789abcdef' } }),
    silentLogger,
  );
  const auth = createAuthenticator({ jwt: { issuer: idp.issuer, audience: resource, jwksUrl: `${idp.issuer}/jwks`, authorizationServers: [OAuthProxy.issuerOf(resource)] } });
  const server = createServer({ name: 'notes', version: '1.0.0' });
  server.tool('whoami', { description: 'The caller', input: z.object({}) }, (_args, ctx) => ctx.principal.id);
  http = await server.serveHttp({ port, auth, resource, routes: proxy.routes() });
});
afterAll(async () => {
  await http.close();
  await idp.close();
});

it('an app signs in through the framework server’s proxy and calls as the person', async () => {
  const app = new AppProvider('Notes App');
  expect(await connect(resource, app)).toBeInstanceOf(Error);
  expect(app.opened?.origin).toBe(new URL(resource).origin);
  const { back } = await approve(idp, new Browser(), app.opened!, 'dana');
  await new StreamableHTTPClientTransport(new URL(resource), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
  const connected = await connect(resource, app);
  if (connected instanceof Error) throw connected;
  const called = await connected.client.callTool({ name: 'whoami', arguments: {} });
  expect((called.content as Array<{ text: string }>)[0]!.text).toBe('dana');
  await connected.client.close();
});

it('with provider (an identity provider whose tokens the server cannot check): the proxy signs its own, OAuthProxy.tokenCheck verifies them', async () => {
  const google = await startIdp();
  const port = await freePort();
  const own = `http://127.0.0.1:${port}/mcp`;
  google.register('notes-server', 'a-client-secret-0123456789', `http://127.0.0.1:${port}/oauth/idp-callback`, { resource: own, accessTokenTtl: 300, userinfo: true });
  const settings = {
    resource: own,
    idpIssuer: google.issuer,
    proxy: { clientId: 'notes-server', clientSecret: 'a-client-secret-0123456789', scopes: ['openid', 'email'], key: 'a-framework-proxy-key-0123456789abcdef', provider: { issuer: google.issuer, subject: 'email', tenant: 'hd', allow: { hd: ['example.com'] } } },
  };
  const proxy = new OAuthProxy(() => settings, silentLogger);
  const server = createServer({ name: 'notes', version: '1.0.0' });
  server.tool('whoami', { description: 'The caller', input: z.object({}) }, (_args, ctx) => `${ctx.principal.id} of ${ctx.principal.tenant}`);
  const served = await server.serveHttp({ port, auth: createAuthenticator({ jwt: OAuthProxy.tokenCheck(settings) }), resource: own, routes: proxy.routes() });
  try {
    const app = new AppProvider('Notes App');
    expect(await connect(own, app)).toBeInstanceOf(Error);
    const { back } = await approve(google, new Browser(), app.opened!, 'erin');
    await new StreamableHTTPClientTransport(new URL(own), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
    const connected = await connect(own, app);
    if (connected instanceof Error) throw connected;
    const called = await connected.client.callTool({ name: 'whoami', arguments: {} });
    expect((called.content as Array<{ text: string }>)[0]!.text).toBe('erin@example.com of example.com');
    await connected.client.close();
  } finally {
    await served.close();
    await google.close();
  }
});
