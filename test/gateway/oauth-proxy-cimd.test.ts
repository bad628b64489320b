// auth.oauthProxy with clients known by URL (Client ID Metadata Documents, the MCP authorization spec's preferred
// way): `mcplex serve` as an operator runs it (its CA in NODE_EXTRA_CA_CERTS), an app on the official SDK v2 client
// that has a document (served over https) and never registers, a person approving it on a consent page that names
// the document's URL, and the official conformance suite's authorization-server scenarios against the proxy.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/http.js';
import { APP_CALLBACK, AppProvider, approve, connect } from '../helpers/oauth-app.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';
import { killPid, killStarted, track, waitForExit, waitUntil } from '../helpers/process.js';
import { makePki, type TestPki } from '../middleware/auth-mtls-certs.js';
import { CONFORMANCE_CLI, NODE22 } from '../conformance/run-suite.js';
import { type Cli, fixtureServer, runCli } from './fixtures/cli.js';

const SECRET = 'a-client-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mcplex-oauth-proxy-cimd-'));
let pki: TestPki;
let apps: Server;
let appsOrigin = '';
/** Fetches of each document the apps' server answered. */
const fetched = new Map<string, number>();
/** The documents the apps' server serves, by path (each names its own URL as client_id). */
const documents = new Map<string, Record<string, unknown>>();
let idp: Idp;
let gateway: Cli;
let origin = '';
let url = '';

beforeAll(async () => {
  pki = makePki([]);
  apps = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    const path = req.url ?? '/';
    fetched.set(path, (fetched.get(path) ?? 0) + 1);
    const body = documents.get(path);
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify({ client_id: `${appsOrigin}${path}`, ...body }));
  });
  await new Promise<void>((resolve) => apps.listen(0, '127.0.0.1', resolve));
  appsOrigin = `https://127.0.0.1:${(apps.address() as AddressInfo).port}`;

  idp = await startIdp();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  url = `${origin}/mcp`;
  idp.register('mcplex-gateway', SECRET, `${origin}/oauth/idp-callback`, { resource: url, accessTokenTtl: 300, jwtAccessTokens: true, scopes: ['mcp'] });
  const config = join(dir, 'gateway.json');
  writeFileSync(
    config,
    JSON.stringify({
      listen: { host: '127.0.0.1', port },
      servers: { up: fixtureServer('up') },
      auth: {
        jwt: { issuer: idp.issuer, audience: url, jwksUrl: `${idp.issuer}/jwks` },
        resource: url,
        // The apps' documents are on this machine: the operator allows its address (public ones need nothing).
        oauthProxy: { clientId: 'mcplex-gateway', clientSecret: SECRET, scopes: 'openid mcp', key: 'an-oauth-proxy-key-0123456789abcdef', clientMetadataDocuments: { allowAddresses: ['127.0.0.1'] } },
      },
    }),
  );
  gateway = runCli(['serve', '--config', config], { NODE_EXTRA_CA_CERTS: join(pki.dir, 'test-ca.crt') });
  await waitUntil(() => gateway.stdout().includes('gateway listening on'), 30_000, `the gateway to listen; stderr:\n${gateway.stderr().slice(-2000)}`);
});
afterAll(async () => {
  gateway.child.kill('SIGTERM');
  await gateway.exited().catch(() => killPid(gateway.pid));
  killStarted();
  await idp.close();
  await new Promise((resolve) => apps.close(resolve));
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('auth.oauthProxy: clients known by their client metadata document', () => {
  it('says it takes client metadata documents', async () => {
    const meta = (await (await fetch(`${origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ issuer: origin, client_id_metadata_document_supported: true, registration_endpoint: `${origin}/oauth/register` });
  });

  it('an app known by its document is approved, signs a person in and calls tools, registering nowhere', async () => {
    documents.set('/desk/client.json', { client_name: 'Desk App', redirect_uris: [APP_CALLBACK], token_endpoint_auth_method: 'none' });
    const documentUrl = `${appsOrigin}/desk/client.json`;
    const app = new AppProvider('Desk App', documentUrl);
    expect(await connect(url, app)).toBeInstanceOf(UnauthorizedError);
    expect(app.client?.client_id).toBe(documentUrl);
    expect(app.opened?.searchParams.get('client_id')).toBe(documentUrl);
    const { consent, back } = await approve(idp, new Browser(), app.opened!, 'alice');
    // The page names the document's URL beside the name the document gives itself (anyone may call theirs anything).
    expect(consent.text).toContain(`Allow Desk App (${documentUrl}) to use mcplex as you?`);
    const pending = new StreamableHTTPClientTransport(new URL(url), { authProvider: app });
    await pending.finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
    expect(decodeJwt(app.saved!.access_token)).toMatchObject({ sub: 'alice', aud: url });
    const connected = await connect(url, app);
    if (connected instanceof UnauthorizedError) throw connected;
    const called = await connected.client.callTool({ name: 'up__echo', arguments: { text: 'known by its document' } });
    expect((called.content as Array<{ text: string }>)[0]!.text).toBe('up: known by its document');
    await connected.client.close();
    // The consent page and the token endpoint asked for the document; the gateway kept it (max-age=300).
    expect(fetched.get('/desk/client.json')).toBe(1);
    // The refresh token is the document's client's alone.
    const refresh = await fetch(`${origin}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: app.saved!.refresh_token!, client_id: documentUrl }) });
    expect(refresh.status).toBe(200);
  });

  it('refuses a client whose document is missing or breaks the rules, on the page and at the token endpoint', async () => {
    documents.set('/rogue/client.json', { client_name: 'Rogue', redirect_uris: ['http://attacker.example/cb'] });
    const authorize = (clientId: string) =>
      fetch(`${origin}/oauth/authorize?${new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: 'http://attacker.example/cb', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    const rogue = await authorize(`${appsOrigin}/rogue/client.json`);
    expect(rogue.status).toBe(400);
    expect(await rogue.text()).toContain('has a redirect URI that is http but not on the loopback address (http://attacker.example/cb)');
    const missing = await authorize(`${appsOrigin}/nobody/client.json`);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain(`the client metadata document at ${appsOrigin}/nobody/client.json answered HTTP 404`);
    const token = await fetch(`${origin}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', client_id: `${appsOrigin}/nobody/client.json` }) });
    expect(token.status).toBe(401);
    expect(await token.json()).toMatchObject({ error: 'invalid_client', error_description: expect.stringContaining('answered HTTP 404') });
    // The server log says which document was refused and why.
    await gateway.waitStderr(/a client metadata document was refused/);
  });

  it('passes the conformance suite\'s authorization-server scenarios, with a client known by its document', async () => {
    const callbackPort = await freePort();
    documents.set('/conformance/client.json', { client_name: 'Conformance', redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`] });
    const out = join(dir, 'conformance');
    const suite = spawn(NODE22, [CONFORMANCE_CLI, 'authorization', '--url', origin, '--client-id', `${appsOrigin}/conformance/client.json`, '--resource', url, '--port', String(callbackPort), '--output-dir', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(suite.pid!);
    let log = '';
    suite.stdout.on('data', (d: Buffer) => (log += d));
    suite.stderr.on('data', (d: Buffer) => (log += d));
    // It prints the authorization URL for a person to open; the person approves and signs in, and the browser lands
    // on the suite's callback, after which it redeems the code.
    const at = await waitUntil(() => log.split('\n').find((line) => line.startsWith(`${origin}/oauth/authorize?`)), 30_000, `the suite's authorization URL; output:\n${log}`);
    const browser = new Browser();
    const consent = await browser.open(at);
    expect(consent.text).toContain(`Allow Conformance (${appsOrigin}/conformance/client.json) to use mcplex as you?`);
    const landed = await idp.signIn(browser, await browser.submit(consent, { decision: 'approve' }), 'carol');
    expect(landed.url.startsWith(`http://127.0.0.1:${callbackPort}/callback?`)).toBe(true);
    await waitForExit(suite, 30_000);
    const checks = readdirSync(out, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('checks.json'))
      .flatMap((f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as Array<{ id: string; status: string; errorMessage?: string }>);
    expect(checks.map((c) => c.id).sort()).toEqual(['authorization-code-grant', 'authorization-server-metadata', 'authorization-server-metadata-cimd']);
    expect(checks.filter((c) => c.status !== 'SUCCESS'), log).toEqual([]);
  });
});
