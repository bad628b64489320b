// auth.oauthProxy: MCP clients sign in through the gateway to an identity provider that does not let them register
// (oidc-provider with no registration endpoint, the gateway's one client registered there). The official SDK client
// (v2, and v1 as Claude Desktop and Cursor have it) does what those apps do: finds the gateway's authorization server
// from its 401, registers there, sends a person's browser to authorize, exchanges the code and calls tools with the
// provider's JWT. What can go wrong is refused: a code replayed, presented by another client or with the wrong
// verifier; an approval posted from another browser or site; an unregistered redirect URI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OAuthTokens, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { sha256 } from '../../src/core/sha256.js';
import { loadConfig } from '../../src/gateway/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { Browser } from '../helpers/browser.js';
import { APP_CALLBACK, AppProvider, approve, connect } from '../helpers/oauth-app.js';
import { freePort } from '../helpers/http.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';
import { ROOT, tsxArgs, waitUntil } from '../helpers/process.js';
import { runCli } from './fixtures/cli.js';
import { FAST_RESTART, UPSTREAM } from './fixtures/helpers.js';

const SECRET = 'a-client-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mcplex-oauth-proxy-'));
let idp: Idp;
let gateway: Gateway;
let http: HttpHandle;
let url: string;
let origin: string;

const KEY = 'an-oauth-proxy-key-0123456789abcdef';
const ADMIN_KEY = 'mcplex_admin-key-0123456789';
/** The gateway's file, its proxy sealing with `key` (and opening with `previousKeys` too). */
async function configWith(key: string, previousKeys?: string[]) {
  const path = join(dir, 'gateway.json');
  writeFileSync(
    path,
    JSON.stringify({
      servers: { up: { command: process.execPath, args: tsxArgs(UPSTREAM, '--name', 'up'), cwd: ROOT, env: { MCPLEX_LOG_LEVEL: 'warn' } } },
      audit: { path: join(dir, 'audit.db') },
      auth: {
        apiKeys: { [`sha256:${sha256(ADMIN_KEY)}`]: { id: 'admin', scopes: ['mcplex:admin'] } },
        jwt: { issuer: idp.issuer, audience: url, jwksUrl: `${idp.issuer}/jwks` },
        resource: url,
        oauthProxy: { clientId: 'mcplex-gateway', clientSecret: SECRET, scopes: 'openid mcp', clientScopes: ['notes:write', 'mcplex:admin'], key, ...(previousKeys && { previousKeys }) },
      },
      policy: { scopes: { tools: { up__alpha: ['notes:write'] } } },
    }),
  );
  return loadConfig(path);
}

beforeAll(async () => {
  idp = await startIdp();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  url = `${origin}/mcp`;
  // The provider knows the gateway's client only; it has no registration endpoint for MCP clients.
  idp.register('mcplex-gateway', SECRET, `${origin}/oauth/idp-callback`, { resource: url, accessTokenTtl: 300, jwtAccessTokens: true, scopes: ['mcp', 'notes:write', 'mcplex:admin'] });
  gateway = new Gateway(await configWith(KEY), { logger: silentLogger, restart: FAST_RESTART });
  await gateway.start();
  http = await gateway.serveHttp({ port });
});
afterAll(async () => {
  await http.close();
  await gateway.close();
  await idp.close();
  rmSync(dir, { recursive: true, force: true });
});

const token = (body: Record<string, string>) =>
  fetch(`${origin}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });

describe('auth.oauthProxy: MCP clients sign in through the gateway', () => {
  it('names itself as the authorization server and registers clients', async () => {
    const prm = (await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] };
    expect(prm.authorization_servers).toEqual([origin]);
    const meta = (await (await fetch(`${origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ issuer: origin, registration_endpoint: `${origin}/oauth/register`, code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['none'] });
    const register = (body: unknown) => fetch(`${origin}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refused = await register({ redirect_uris: ['http://evil.example/cb'] });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_redirect_uri', error_description: 'http://evil.example/cb is http but not on the loopback address' });
    expect((await register({ redirect_uris: ['javascript:alert(1)'] })).status).toBe(400);
    // A name that starts like a loopback address is not one.
    expect(await (await register({ redirect_uris: ['http://127.example.com/cb'] })).json()).toMatchObject({ error: 'invalid_redirect_uri', error_description: 'http://127.example.com/cb is http but not on the loopback address' });
    expect((await register({})).status).toBe(400);
    const native = (await (await register({ redirect_uris: ['cursor://anysphere.cursor/oauth/callback'], client_name: 'Cursor' })).json()) as { client_id: string; token_endpoint_auth_method: string };
    expect(native.token_endpoint_auth_method).toBe('none');
  });

  it('an app registers, a person approves and signs in, the app calls tools as that person and refreshes', async () => {
    const app = new AppProvider('Desk App');
    expect(await connect(url, app)).toBeInstanceOf(UnauthorizedError);
    expect(app.client?.client_id).toBeTruthy();
    expect(app.opened?.origin).toBe(origin);
    const browser = new Browser();
    const { consent, back } = await approve(idp, browser, app.opened!, 'alice');
    expect(consent.text).toContain('Allow Desk App to use mcplex as you?');
    expect(consent.text).toContain('http://127.0.0.1:9');
    expect(back.searchParams.get('iss')).toBe(origin);
    expect(back.searchParams.get('state')).toMatch(/^[\w-]{16}$/);
    expect(back.searchParams.get('state')).toBe(app.opened!.searchParams.get('state'));
    const code = back.searchParams.get('code')!;

    // Refused before the provider is asked (the code stays good): another verifier, another client.
    const wrongVerifier = await token({ grant_type: 'authorization_code', code, client_id: app.client!.client_id, redirect_uri: APP_CALLBACK, code_verifier: 'x'.repeat(43) });
    expect(wrongVerifier.status).toBe(400);
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant', error_description: 'code_verifier does not match the code_challenge' });
    const other = new AppProvider('Other App');
    await connect(url, other);
    const stolen = await token({ grant_type: 'authorization_code', code, client_id: other.client!.client_id, redirect_uri: APP_CALLBACK, code_verifier: app.codeVerifier() });
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });

    // The app finishes as the SDK does, and calls as alice with the provider's token.
    const pending = new StreamableHTTPClientTransport(new URL(url), { authProvider: app });
    await pending.finishAuth(code, back.searchParams.get('iss')!);
    expect(decodeJwt(app.saved!.access_token)).toMatchObject({ sub: 'alice', iss: idp.issuer, aud: url });
    const connected = await connect(url, app);
    if (connected instanceof UnauthorizedError) throw connected;
    const called = await connected.client.callTool({ name: 'up__echo', arguments: { text: 'through the proxy' } });
    expect((called.content as Array<{ text: string }>)[0]!.text).toBe('up: through the proxy');
    await connected.client.close();

    // The refresh token is the app's alone; with it, a new access token from the provider.
    const refresh = app.saved!.refresh_token!;
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: other.client!.client_id })).json()).toMatchObject({ error: 'invalid_grant' });
    const before = idp.refreshes.granted;
    const renewed = await token({ grant_type: 'refresh_token', refresh_token: refresh, client_id: app.client!.client_id });
    expect(renewed.status).toBe(200);
    const tokens = (await renewed.json()) as OAuthTokens;
    expect(idp.refreshes.granted).toBe(before + 1);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'alice', aud: url });
    expect(tokens.refresh_token).not.toBe(refresh);

    // The code once more: the provider refuses it (used), and revokes what it gave for it (RFC 6749 §4.1.2).
    const replayed = await token({ grant_type: 'authorization_code', code, client_id: app.client!.client_id, redirect_uri: APP_CALLBACK, code_verifier: app.codeVerifier() });
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ error: 'invalid_grant' });
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: app.client!.client_id })).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('a tool that needs more scope: the app steps up through the proxy by itself, asking only for what clientScopes allows', async () => {
    const app = new AppProvider('Step App');
    await connect(url, app);
    let { back } = await approve(idp, new Browser(), app.opened!, 'dana');
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
    expect(app.saved!.scope?.split(' ')).not.toContain('notes:write');
    const first = await connect(url, app);
    if (first instanceof UnauthorizedError) throw first;
    expect((await first.client.callTool({ name: 'up__echo', arguments: { text: 'x' } })).isError).toBeFalsy();
    // up__alpha needs notes:write: the gateway answers 403 with the insufficient_scope challenge, and the SDK goes to
    // authorize again for what it holds and that scope.
    app.opened = undefined;
    await expect(first.client.callTool({ name: 'up__alpha', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    await first.client.close();
    expect(app.opened!.searchParams.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['mcp', 'notes:write']));
    // A scope clientScopes does not list is not passed on (the provider would grant it to the gateway's client).
    const asked = new URL(app.opened!);
    asked.searchParams.set('scope', `${asked.searchParams.get('scope')} admin:all`);
    const stepped = await approve(idp, new Browser(), asked, 'dana');
    expect(stepped.consent.text).toContain('It asks for more than signing in: <b>notes:write</b>.');
    back = stepped.back;
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
    const scopes = String(decodeJwt(app.saved!.access_token).scope).split(' ');
    expect(scopes).toEqual(expect.arrayContaining(['mcp', 'notes:write']));
    expect(scopes).not.toContain('admin:all');
    const second = await connect(url, app);
    if (second instanceof UnauthorizedError) throw second;
    expect((await second.client.callTool({ name: 'up__alpha', arguments: {} })).content).toEqual([{ type: 'text', text: 'alpha' }]);
    await second.client.close();
  });

  it('an app on the SDK v1 client (as Claude Desktop and Cursor are) signs in the same way', async () => {
    const app = new AppProvider('V1 App');
    const transport = () => new V1Transport(new URL(url), { authProvider: app as never });
    const client = new V1Client({ name: 'v1-app', version: '1.0.0' });
    await expect(client.connect(transport())).rejects.toThrow(/Unauthorized/);
    const { back } = await approve(idp, new Browser(), app.opened!, 'bob');
    await transport().finishAuth(back.searchParams.get('code')!);
    expect(decodeJwt(app.saved!.access_token)).toMatchObject({ sub: 'bob', aud: url });
    await client.connect(transport());
    const called = await client.callTool({ name: 'up__echo', arguments: { text: 'v1' } });
    expect((called.content as Array<{ text: string }>)[0]!.text).toBe('up: v1');
    await client.close();
  });

  it('the mcplex CLI signs in through the proxy as any app does', async () => {
    const cli = runCli(['tools', '--url', url, '--oauth'], { MCPLEX_LOG_LEVEL: 'warn', MCPLEX_OAUTH_FILE: join(dir, 'cli-oauth.json') });
    cli.child.stdin!.end();
    await cli.waitStderr(/^ {2}http\S+$/m, 30_000);
    const at = /^ {2}(http\S+)$/m.exec(cli.stderr())![1]!;
    expect(new URL(at).origin).toBe(origin);
    const browser = new Browser();
    const consent = await browser.open(at);
    expect(consent.text).toContain('It will be sent back to <b>http://127.0.0.1:');
    const back = await idp.signIn(browser, await browser.submit(consent, { decision: 'approve' }), 'erin');
    expect(back.text).toContain('mcplex may now use');
    expect(await cli.exited(30_000)).toMatchObject({ code: 0 });
    expect(cli.stdout()).toContain('up__echo');

    // Let go of: the CLI revokes its refresh token at the proxy, which revokes the provider's own there.
    const env = { MCPLEX_LOG_LEVEL: 'warn', MCPLEX_OAUTH_FILE: join(dir, 'cli-oauth.json') };
    const entries = (JSON.parse(readFileSync(env.MCPLEX_OAUTH_FILE, 'utf8')) as { entries: Record<string, { value: string }> }).entries;
    const held = JSON.parse(entries[`oauth:${url}:tokens:gateway`]!.value) as { refresh_token: string; mcplex_client_id: string };
    const forget = runCli(['oauth', 'forget', url], env);
    expect(await forget.exited(30_000)).toMatchObject({ code: 0 });
    expect(forget.stderr()).toBe(`revoked it at ${origin}/oauth/revoke and forgot the grant for ${url}; the next --oauth command logs in again\n`);
    const spent = await token({ grant_type: 'refresh_token', refresh_token: held.refresh_token, client_id: held.mcplex_client_id });
    expect(spent.status).toBe(400);
    expect(await spent.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('mcplex admin --oauth: an operator logs in through the gateway with the admin scope, once; a grant without it is widened', async () => {
    const env = { MCPLEX_LOG_LEVEL: 'warn', MCPLEX_OAUTH_FILE: join(dir, 'admin-oauth.json') };
    /** Runs `args`, approving as `person` the authorization it prints; returns the consent page's text. */
    const approved = async (args: string[], person: string, withEnv = env) => {
      const cli = runCli(args, withEnv);
      cli.child.stdin!.end();
      await cli.waitStderr(/^ {2}http\S+$/m, 30_000);
      const browser = new Browser();
      const consent = await browser.open(/^ {2}(http\S+)$/m.exec(cli.stderr())![1]!);
      const back = await idp.signIn(browser, await browser.submit(consent, { decision: 'approve' }), person);
      expect(back.text).toContain('mcplex may now use');
      expect(await cli.exited(30_000)).toMatchObject({ code: 0 });
      return { consent: consent.text, stdout: cli.stdout() };
    };
    const first = await approved(['admin', 'status', '--url', origin, '--oauth'], 'olga');
    expect(first.consent).toContain('<b>mcplex:admin</b>');
    expect(first.stdout).toMatch(/^ready · 1\/1 upstreams up/);
    // The grant is kept: the next command asks no one.
    const again = runCli(['audit', 'head', '--url', origin, '--oauth'], env);
    again.child.stdin!.end();
    expect(await again.exited(30_000)).toMatchObject({ code: 0 });
    expect(again.stdout()).toMatch(/^\d+:[0-9a-f]{64}\n$/);
    expect(again.stderr()).not.toContain('Open this URL');
    // With a key as well it says to give one of them.
    const both = runCli(['admin', 'status', '--url', origin, '--oauth'], { ...env, MCPLEX_ADMIN_KEY: ADMIN_KEY });
    expect(await both.exited(30_000)).toMatchObject({ code: 2 });
    expect(both.stderr()).toContain('--oauth logs in instead of using MCPLEX_ADMIN_KEY');

    // A caller's grant (mcplex tools --oauth asks for what /mcp asks of callers) does not open the admin endpoints:
    // the person is asked to widen it, once.
    const caller = { ...env, MCPLEX_OAUTH_FILE: join(dir, 'caller-oauth.json') };
    await approved(['tools', '--url', url, '--oauth'], 'olga', caller);
    const widened = await approved(['admin', 'status', '--url', origin, '--oauth'], 'olga', caller);
    expect(widened.consent).toContain('mcplex:admin');
    expect(widened.stdout).toMatch(/^ready/);
  });

  it('a new key with the old one among previousKeys keeps clients and refresh tokens working; without it they register again', async () => {
    const app = new AppProvider('Rotated App');
    await connect(url, app);
    const { back } = await approve(idp, new Browser(), app.opened!, 'carol');
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
    const refresh = (client_id: string, refresh_token: string) => token({ grant_type: 'refresh_token', refresh_token, client_id });
    try {
      await gateway.reload(await configWith('a-new-oauth-proxy-key-0123456789abcdef', [KEY]));
      const renewed = await refresh(app.client!.client_id, app.saved!.refresh_token!);
      expect(renewed.status).toBe(200);
      const tokens = (await renewed.json()) as OAuthTokens;
      expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'carol' });
      await gateway.reload(await configWith('a-new-oauth-proxy-key-0123456789abcdef'));
      const dropped = await refresh(app.client!.client_id, tokens.refresh_token!);
      expect(dropped.status).toBe(401);
      expect(await dropped.json()).toMatchObject({ error: 'invalid_client' });
    } finally {
      await gateway.reload(await configWith(KEY));
    }
  });

  it('refuses approvals from another browser or site, unregistered redirect URIs, and hands a denial back', async () => {
    const app = new AppProvider('Desk App');
    await connect(url, app);
    const at = app.opened!;
    const browser = new Browser();
    const consent = await browser.open(at.href);
    expect(consent.status).toBe(200);

    // The same form, posted by a browser that did not open the page (a page elsewhere that got the form).
    const stranger = await new Browser().submit(consent, { decision: 'approve' });
    expect(stranger.status).toBe(400);
    expect(stranger.text).toContain('Approval not valid');
    // Posted cross-site, even from the right browser.
    const request = /name="request" value="([^"]+)"/.exec(consent.text)![1]!;
    const crossSite = await fetch(`${origin}/oauth/authorize`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' }, body: new URLSearchParams({ request, decision: 'approve' }) });
    expect(crossSite.status).toBe(403);

    // A resource other than this gateway's (RFC 8707): handed back to the client, as at the token endpoint.
    const otherTarget = new URL(at);
    otherTarget.searchParams.set('resource', 'https://other.example/mcp');
    const target = new URL((await browser.open(otherTarget.href, {}, APP_CALLBACK)).url);
    expect(target.searchParams.get('error')).toBe('invalid_target');
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: app.client!.client_id, resource: 'https://other.example/mcp' })).json()).toMatchObject({ error: 'invalid_target' });

    const elsewhere = new URL(at);
    elsewhere.searchParams.set('redirect_uri', 'http://127.0.0.1:9/other');
    const wrong = await browser.open(elsewhere.href);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Wrong redirect URI');

    const denied = await browser.submit(consent, { decision: 'deny' }, APP_CALLBACK);
    const answer = new URL(denied.url);
    expect(answer.origin + answer.pathname).toBe(APP_CALLBACK);
    expect(Object.fromEntries(answer.searchParams)).toMatchObject({ error: 'access_denied', state: at.searchParams.get('state'), iss: origin });
  });

  it('records each consent and sign-in in the audit log, as the act of whom signed in', async () => {
    type Row = { principal: string; target: string; outcome: string; args?: { redirectUri: string; refused?: string } };
    const audited = (method: string, count: number) =>
      waitUntil(async () => {
        const res = await fetch(`${origin}/admin/audit?method=${method}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        const rows = ((await res.json()) as { records: Row[] }).records;
        return rows.length >= count ? rows : undefined;
      }, 10_000, `${method} recorded`);
    // Nine sign-ins (alice, dana twice (stepping up), bob, erin by the CLI, olga three times by mcplex admin and
    // tools, carol); ten pages were answered (one denial).
    const signIns = await audited('oauth/sign-in', 9);
    expect(signIns).toHaveLength(9);
    expect(signIns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ principal: 'alice', target: 'Desk App', outcome: 'ok', args: { redirectUri: APP_CALLBACK } }),
        expect.objectContaining({ principal: 'bob', target: 'V1 App', outcome: 'ok' }),
        expect.objectContaining({ principal: 'carol', target: 'Rotated App', outcome: 'ok' }),
        expect.objectContaining({ principal: 'erin', outcome: 'ok' }),
        expect.objectContaining({ principal: 'olga', outcome: 'ok' }),
        expect.objectContaining({ principal: 'dana', target: 'Step App', outcome: 'ok' }),
      ]),
    );
    const consents = await audited('oauth/consent', 10);
    expect(consents).toHaveLength(10);
    expect(consents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ principal: 'anonymous', target: 'Desk App', outcome: 'ok' }),
        expect.objectContaining({ principal: 'anonymous', target: 'Desk App', outcome: 'error', args: { redirectUri: APP_CALLBACK, refused: 'the person denied it' } }),
      ]),
    );
  });

  it('remembers a person\'s approval of a client in their browser: signing in again goes straight to the provider', async () => {
    const app = new AppProvider('Memo App');
    await connect(url, app);
    const browser = new Browser();
    const first = await approve(idp, browser, app.opened!, 'frank');
    expect(first.consent.text).toContain('Allow Memo App to use mcplex as you?');
    // The app signs in again (its tokens gone): in the same browser, no consent page.
    app.opened = undefined;
    await connect(url, app);
    const again = await browser.open(app.opened!.href, {}, APP_CALLBACK);
    expect(again.text).not.toContain('to use mcplex as you?');
    const landed = again.url.startsWith(APP_CALLBACK) ? again : await idp.signIn(browser, again, 'frank', APP_CALLBACK);
    const back = new URL(landed.url);
    expect(back.searchParams.get('state')).toBe(app.opened!.searchParams.get('state'));
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
    expect(decodeJwt(app.saved!.access_token)).toMatchObject({ sub: 'frank' });
    // Another browser, another client, or more scope than was approved: the page again.
    expect((await new Browser().open(app.opened!.href)).text).toContain('Allow Memo App to use mcplex as you?');
    const other = new AppProvider('Other Memo App');
    await connect(url, other);
    expect((await browser.open(other.opened!.href)).text).toContain('Allow Other Memo App to use mcplex as you?');
    const more = new URL(app.opened!);
    more.searchParams.set('scope', 'mcp notes:write');
    expect((await browser.open(more.href)).text).toContain('It asks for more than signing in: <b>notes:write</b>.');
    // The cookie: sealed, bound to the client, out of scripts' reach, sent on top-level navigations only.
    const page = await fetch(app.opened!, { redirect: 'manual' });
    const nonce = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const request = /name="request" value="([^"]+)"/.exec(await page.text())![1]!;
    const posted = await fetch(`${origin}/oauth/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonce, origin }, body: new URLSearchParams({ request, decision: 'approve' }) });
    expect(posted.status).toBe(303);
    expect(posted.headers.getSetCookie().find((c) => c.startsWith('mcplex-approved-'))).toMatch(/^mcplex-approved-[0-9a-f]{16}=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000$/);
    // The audit log tells a remembered consent from one given on the page.
    const remembered = await waitUntil(async () => {
      const res = await fetch(`${origin}/admin/audit?method=oauth/consent`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const rows = ((await res.json()) as { records: Array<{ target: string; args?: { remembered?: boolean } }> }).records;
      return rows.find((r) => r.target === 'Memo App' && r.args?.remembered === true);
    }, 10_000, 'a remembered consent recorded');
    expect(remembered.args).toEqual({ redirectUri: APP_CALLBACK, remembered: true });

    // The person sees what their browser remembers, and withdraws it: the next sign-in asks again.
    const approvals = await browser.open(`${origin}/oauth/approvals`);
    expect(approvals.text).toContain('<b>Memo App</b>, sent back to http://127.0.0.1:9 until ');
    expect(first.consent.text).toContain('<a href="/oauth/approvals">approved apps</a>');
    const elsewhere = await fetch(`${origin}/oauth/approvals`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' }, body: 'cookie=x' });
    expect(elsewhere.status).toBe(403);
    const withdrawn = await browser.submit(approvals);
    expect(withdrawn.text).toContain('This browser remembers no app you approved here.');
    expect((await browser.open(app.opened!.href, {}, APP_CALLBACK)).text).toContain('Allow Memo App to use mcplex as you?');
    const recorded = await waitUntil(async () => {
      const res = await fetch(`${origin}/admin/audit?method=oauth/consent`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const rows = ((await res.json()) as { records: Array<{ target: string; args?: { withdrawn?: boolean } }> }).records;
      return rows.find((r) => r.target === 'Memo App' && r.args?.withdrawn === true);
    }, 10_000, 'the withdrawal recorded');
    expect(recorded.args).toEqual({ withdrawn: true });
  });

  it('a client revokes its refresh token (RFC 7009): revoked at the provider, audited; another client\'s is refused', async () => {
    const meta = (await (await fetch(`${origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ revocation_endpoint: `${origin}/oauth/revoke`, revocation_endpoint_auth_methods_supported: ['none'] });
    const app = new AppProvider('Leaving App');
    await connect(url, app);
    const { back } = await approve(idp, new Browser(), app.opened!, 'gus');
    await new StreamableHTTPClientTransport(new URL(url), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
    const revoke = (body: Record<string, string>) =>
      fetch(`${origin}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
    const refresh_token = app.saved!.refresh_token!;
    const other = new AppProvider('Other Leaving App');
    await connect(url, other);
    const theirs = await revoke({ token: refresh_token, token_type_hint: 'refresh_token', client_id: other.client!.client_id });
    expect(theirs.status).toBe(400);
    expect(await theirs.json()).toMatchObject({ error: 'invalid_request', error_description: 'the token was issued to another client' });
    expect(await (await revoke({ token: refresh_token, client_id: 'made-up' })).json()).toMatchObject({ error: 'invalid_client' });
    expect(await (await revoke({ client_id: app.client!.client_id })).json()).toMatchObject({ error: 'invalid_request', error_description: 'token is missing' });
    // Still good: nothing was revoked yet.
    const renewed = await token({ grant_type: 'refresh_token', refresh_token, client_id: app.client!.client_id });
    expect(renewed.status).toBe(200);
    const tokens = (await renewed.json()) as OAuthTokens;
    const revoked = await revoke({ token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: app.client!.client_id });
    expect(revoked.status).toBe(200);
    expect(revoked.headers.get('cache-control')).toBe('no-store');
    const spent = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: app.client!.client_id });
    expect(await spent.json()).toMatchObject({ error: 'invalid_grant' });
    // Anything else is passed on as an access token: one the provider does not know is answered 200 (§2.2); its
    // JWTs it cannot revoke (they are good until they expire), which the client is told.
    expect((await revoke({ token: 'not-a-token', client_id: app.client!.client_id })).status).toBe(200);
    const jwt = await revoke({ token: tokens.access_token, client_id: app.client!.client_id });
    expect(jwt.status).toBe(400);
    expect(await jwt.json()).toEqual({ error: 'unsupported_token_type', error_description: 'the identity provider does not revoke access tokens' });
    const recorded = await waitUntil(async () => {
      const res = await fetch(`${origin}/admin/audit?method=oauth/revocation`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const rows = ((await res.json()) as { records: Array<{ target: string; outcome: string; args?: { tokenType?: string } }> }).records;
      return rows.filter((r) => r.target === 'Leaving App').length >= 2 ? rows : undefined;
    }, 10_000, 'the revocations recorded');
    expect(recorded.filter((r) => r.target === 'Leaving App').map((r) => `${r.outcome} ${r.args?.tokenType}`).sort()).toEqual(['ok access_token', 'ok refresh_token']);
  });
});
