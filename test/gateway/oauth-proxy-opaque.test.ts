// auth.oauthProxy in front of an identity provider whose access tokens are opaque (oidc-provider without JWT access
// tokens, with its introspection endpoint): the gateway checks them with `auth.introspection`, as the same client it
// signs people in as. An app on the official SDK client finds the proxy from the 401, registers, a person approves
// and signs in, and the app calls a tool as that person with the provider's opaque token.
import { StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Gateway, type HttpHandle, parseConfig, silentLogger } from '../../src/index.js';
import { Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/http.js';
import { AppProvider, approve, connect } from '../helpers/oauth-app.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';
import { fixtureServer } from './fixtures/cli.js';

const SECRET = 'a-client-secret-0123456789';
let idp: Idp;
let gateway: Gateway;
let http: HttpHandle;
let url: string;

beforeAll(async () => {
  idp = await startIdp();
  const port = await freePort();
  url = `http://127.0.0.1:${port}/mcp`;
  idp.register('mcplex-gateway', SECRET, `http://127.0.0.1:${port}/oauth/idp-callback`, { resource: url, accessTokenTtl: 300, introspection: true });
  const config = parseConfig(
    stringify({
      listen: { host: '127.0.0.1', port },
      auth: {
        introspection: { issuer: idp.issuer, clientId: 'mcplex-gateway', clientSecret: SECRET, audience: url },
        resource: url,
        oauthProxy: { clientId: 'mcplex-gateway', clientSecret: SECRET, scopes: 'openid mcp', key: 'an-oauth-proxy-key-0123456789abcdef' },
      },
      servers: { demo: fixtureServer('demo') },
    }),
    { format: 'yaml' },
  );
  gateway = new Gateway(config, { logger: silentLogger });
  await gateway.start();
  http = await gateway.serveHttp({ port });
}, 30_000);
afterAll(async () => {
  await http?.close();
  await gateway?.close();
  await idp?.close();
});

it('an app signs in through the proxy and calls with the provider’s opaque token, checked by introspection', async () => {
  const prm = (await (await fetch(`${new URL(url).origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
  expect(prm.authorization_servers).toEqual([new URL(url).origin]);
  const app = new AppProvider('Opaque App');
  expect(await connect(url, app)).toBeInstanceOf(UnauthorizedError);
  const { back } = await approve(idp, new Browser(), app.opened!, 'frank');
  await new StreamableHTTPClientTransport(new URL(url), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
  expect(app.saved!.access_token.split('.')).toHaveLength(1);
  const connected = await connect(url, app);
  if (connected instanceof UnauthorizedError) throw connected;
  const called = await connected.client.callTool({ name: 'demo__echo', arguments: { text: 'opaque' } });
  expect(called.content).toEqual([{ type: 'text', text: 'demo: opaque' }]);
  await connected.client.close();
  // The token is the provider's own, standing for the person who signed in.
  expect(await idp.subjectOf(app.saved!.access_token)).toBe('frank');
});
