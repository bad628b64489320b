// Upstream servers that require OAuth (servers.<name>.auth.oauth), against a real authorization server and MCP
// resource server built with the official SDK (examples/oauth-server.ts): the gateway registers itself,
// an administrator authorizes it in a browser, the grant is kept in the grants file across a restart and refreshed
// when the server refuses a token; with perCaller each caller authorizes for themselves (URL elicitation: -32042 and
// its completion notification for a 2025-era caller, an input_required round for a 2026-era one) and their calls
// carry their own grant. The gateway is configured from a file, callers use API keys.
import { redactText } from '../../src/core/redact.js';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Window } from 'happy-dom';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/sha256.js';
import { loadConfig } from '../../src/gateway/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { authorizeInBrowser, oauthServerForSuite } from '../fixtures/oauth-upstream.js';
import { ROOT, waitGone, waitUntil } from '../helpers/process.js';
import { callFails, clientAs, text } from './isolation/fixtures.js';
import { FAST_RESTART, shutDown } from './fixtures/helpers.js';
import { CLI } from './fixtures/cli.js';
import { capturingLogger } from '../helpers/logger.js';
import { freePort } from '../helpers/http.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { prefixProxy } from './helpers/prefix-proxy.js';

const KEYS = { admin: 'mcplex_admin-key-0123456789', alice: 'mcplex_alice-key-0123456789', bob: 'mcplex_bob-key-0123456789' };
const dir = mkdtempSync(join(tmpdir(), 'mcplex-upstream-oauth-'));
const oauthServer = oauthServerForSuite();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let configs = 0;
async function gatewayOn(oauth: Record<string, unknown>, grantsFile: string, store: Record<string, unknown> = { file: grantsFile }, extra: Record<string, unknown> = {}) {
  const path = join(dir, `gateway-${++configs}.json`);
  const apiKeys = Object.fromEntries(
    Object.entries(KEYS).map(([id, key]) => [`sha256:${sha256(key)}`, { id, scopes: id === 'admin' ? ['mcplex:admin'] : ['tools'] }]),
  );
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    auth: { apiKeys },
    oauth: store,
    servers: { remote: { url: oauthServer().url, auth: { oauth } } },
    ...extra,
  };
  writeFileSync(path, JSON.stringify(config));
  const logger = capturingLogger();
  const gateway = new Gateway(await loadConfig(path), { logger, restart: FAST_RESTART });
  await gateway.start();
  const http = await gateway.serveHttp();
  return { gateway, http, logger, path };
}

const as = (who: keyof typeof KEYS, http: HttpHandle) => clientAs(http.url, 'legacy', { authorization: `Bearer ${KEYS[who]}` });
/** A 2025-era client declaring URL elicitation: the ids of the completions it hears go to `completed`. */
const hearing = (who: keyof typeof KEYS, http: HttpHandle, completed: string[]) =>
  clientAs(http.url, 'legacy', { authorization: `Bearer ${KEYS[who]}` }, {
    capabilities: { elicitation: { url: {} } },
    setup: (c) => c.setNotificationHandler('notifications/elicitation/complete', async (n) => void completed.push(String(n.params.elicitationId))),
  });
/** A 2026-era client whose person opens each URL it is asked to, as `user`, and accepts: the URLs go to `opened`. */
const opening = (who: keyof typeof KEYS, http: HttpHandle, user: string, opened: string[]) =>
  clientAs(http.url, 'modern', { authorization: `Bearer ${KEYS[who]}` }, {
    capabilities: { elicitation: { url: {} } },
    setup: (c) =>
      c.setRequestHandler('elicitation/create', async (req) => {
        const { url } = req.params as { url: string };
        opened.push(url);
        await authorizeInBrowser(url, user);
        return { action: 'accept' };
      }),
  });
const admin = (http: HttpHandle, path: string, body?: object) =>
  fetch(new URL(path, http.url), {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${KEYS.admin}`, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
const upstreamOf = (gateway: Gateway) => gateway.health().upstreams.find((u) => u.name === 'remote')!;
/** An administrator authorizes the gateway itself as `user`, in the browser; resolves once its connection is up. */
async function authorizeGateway(gateway: Gateway, http: HttpHandle, user: string): Promise<void> {
  const started = await admin(http, '/admin/oauth/authorize', { server: 'remote' });
  await authorizeInBrowser(String(started.body.authorizationUrl), user);
  // Up, and its tools listed (the gateway lists a server once it is up: a call in between is for an unknown tool).
  await waitUntil(() => upstreamOf(gateway).state === 'up' && gateway.catalog.tool('remote__whoami') !== undefined, 10_000, 'the shared connection up, its tools listed');
}
/** Closes a test's clients, then the gateway's listener and the gateway. */
describe("the gateway's own authorization (one grant, an administrator's)", () => {
  const grants = join(dir, 'grants-shared.json');

  it('waits for an administrator, registers itself, and serves the tools once authorized', async () => {
    const { gateway, http, logger } = await gatewayOn({}, grants);
    const clients: Client[] = [];
    try {
      expect(upstreamOf(gateway).state).not.toBe('up');
      // The log names the server and the URL to open, once.
      await waitUntil(() => logger.entries.some((e) => e.msg?.includes("upstream 'remote' needs authorization")), 10_000, 'the log to name the URL');
      // Said in words the log's credential scrubbing leaves alone ("authorization: <word>" reads as a credential).
      const said = logger.entries.find((e) => e.msg?.includes("upstream 'remote' needs authorization"))!.msg!;
      expect(redactText(said)).toBe(said);
      expect(said).toContain('open the URL in a browser');
      const listed = await admin(http, '/admin/oauth');
      expect(listed.status).toBe(200);
      const [server] = listed.body.servers as Array<{ server: string; authorized: boolean; authorizationUrl?: string }>;
      expect(server).toMatchObject({ server: 'remote', authorized: false });
      expect(server!.authorizationUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/authorize\?/);
      expect(oauthServer().provider.counts.registered).toBe(1);
      expect(upstreamOf(gateway).error).toContain("'remote' needs authorization");
      // An administrator opens it (here: started through the admin API, as a script would).
      const started = await admin(http, '/admin/oauth/authorize', { server: 'remote' });
      expect(started.status).toBe(200);
      const url = new URL(String(started.body.authorizationUrl));
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('redirect_uri')).toBe(new URL('/oauth/callback', http.url).href);
      const back = await authorizeInBrowser(url.href, 'operator');
      expect(back.status).toBe(200);
      expect(back.text).toContain('mcplex may now use remote.');
      // The shared connection tries again at once and the server's tools are listed.
      await waitUntil(() => upstreamOf(gateway).state === 'up', 10_000, 'the shared connection up');
      const alice = await as('alice', http);
      clients.push(alice);
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
      expect(await text(alice, 'remote__whoami')).toBe('operator');
      expect(oauthServer().provider.counts.registered).toBe(1);
      // The authorization, its code exchange and any refresh named the server as the resource (RFC 8707). (A retry
      // of the connection that met the exchange half done may have refreshed the new grant once: not asserted.)
      const named = oauthServer().provider.resources;
      expect(named.length).toBeGreaterThanOrEqual(2);
      expect(new Set(named)).toEqual(new Set([oauthServer().url]));
      // The grants file is its owner's alone and holds no caller's API key.
      expect(statSync(grants).mode & 0o777).toBe(0o600);
      expect(readFileSync(grants, 'utf8')).not.toContain(KEYS.alice);
      // What an administrator sees of the grant: never its tokens; its scope, expiry and refresh ahead of it.
      const [shown] = (await admin(http, '/admin/oauth')).body.servers as Array<Record<string, unknown>>;
      expect(shown).toEqual({ server: 'remote', perCaller: false, authorized: true, grant: { scope: 'mcp', expiresAt: expect.any(String), refreshAt: expect.any(String), refreshable: true, dpop: false } });
      const { expiresAt, refreshAt } = shown!.grant as { expiresAt: string; refreshAt: string };
      // The example server's tokens live an hour; the gateway refreshes a minute before.
      // A minute before it expires, or up to a fifth less (at random: grants made together are refreshed apart).
      expect(Date.parse(expiresAt) - Date.parse(refreshAt)).toBeGreaterThanOrEqual(48_000);
      expect(Date.parse(expiresAt) - Date.parse(refreshAt)).toBeLessThanOrEqual(60_000);
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(3_500_000);
      expect(JSON.stringify(shown)).not.toMatch(/at-|rt-/);
    } finally {
      await shutDown([{ gateway, http }], clients);
    }
  });

  it('a client registered beforehand: its secret goes only to the issuer it is pinned to', async () => {
    const client = { client_id: 'pre-registered', client_secret: 'pre-registered-secret-0123456789' };
    // Pinned to another authorization server than the one the upstream names: refused, nothing is sent there.
    const wrong = await gatewayOn({ clientId: client.client_id, clientSecret: client.client_secret, issuer: 'https://login.example.com' }, join(dir, 'grants-pinned-wrong.json'));
    try {
      const refused = await admin(wrong.http, '/admin/oauth/authorize', { server: 'remote' });
      expect(refused.status).toBe(502);
      expect(String(refused.body.error)).toContain("Authorization server mismatch: credentials are bound to \"https://login.example.com\"");
      expect(upstreamOf(wrong.gateway).state).not.toBe('up');
    } finally {
      await wrong.http.close();
      await wrong.gateway.close();
    }
    const registered = oauthServer().provider.counts.registered;
    const right = await gatewayOn({ clientId: client.client_id, clientSecret: client.client_secret, issuer: new URL(oauthServer().url).origin }, join(dir, 'grants-pinned.json'));
    const clients: Client[] = [];
    try {
      // The administrator registered the client at the authorization server for this gateway's callback.
      oauthServer().provider.clientsStore.clients.set(client.client_id, {
        ...client,
        redirect_uris: [new URL('/oauth/callback', right.http.url).href],
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      });
      const started = await admin(right.http, '/admin/oauth/authorize', { server: 'remote' });
      expect(started.status).toBe(200);
      expect(new URL(String(started.body.authorizationUrl)).searchParams.get('client_id')).toBe(client.client_id);
      expect((await authorizeInBrowser(String(started.body.authorizationUrl), 'pinned-operator')).status).toBe(200);
      await waitUntil(() => upstreamOf(right.gateway).state === 'up', 10_000, 'the shared connection up');
      const alice = await as('alice', right.http);
      clients.push(alice);
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
      expect(await text(alice, 'remote__whoami')).toBe('pinned-operator');
      // It never registered itself, and the secret is not in the grants file.
      expect(oauthServer().provider.counts.registered).toBe(registered);
      expect(readFileSync(join(dir, 'grants-pinned.json'), 'utf8')).not.toContain(client.client_secret);
    } finally {
      await Promise.allSettled(clients.map((c) => c.close()));
      await right.http.close();
      await right.gateway.close();
    }
  });

  it('keeps the grant across a restart, and refreshes it when the server refuses its token', async () => {
    const { gateway, http, path } = await gatewayOn({ refreshAheadMs: 300_000 }, grants);
    const alice = await as('alice', http);
    try {
      expect(upstreamOf(gateway).state).toBe('up');
      expect(await text(alice, 'remote__whoami')).toBe('operator');
      const refreshed = oauthServer().provider.counts.refreshed;
      oauthServer().revokeAccess('operator');
      expect(await text(alice, 'remote__whoami')).toBe('operator');
      expect(oauthServer().provider.counts.refreshed).toBe(refreshed + 1);
      // Counted where alerts look.
      const metrics = await (await fetch(new URL('/metrics', http.url), { headers: { authorization: `Bearer ${KEYS.admin}` } })).text();
      expect(metrics).toContain('mcp_upstream_oauth_refreshes_total{upstream="remote",reason="unauthorized",outcome="refreshed"} 1');
      // The grant refreshed is refreshed ahead as the server's refreshAheadMs says: five minutes before it expires.
      const { expiresAt, refreshAt } = ((await admin(http, '/admin/oauth')).body.servers as Array<{ grant: { expiresAt: string; refreshAt: string } }>)[0]!.grant;
      expect(Date.parse(expiresAt) - Date.parse(refreshAt)).toBeGreaterThanOrEqual(240_000);
      expect(Date.parse(expiresAt) - Date.parse(refreshAt)).toBeLessThanOrEqual(300_000);
      // A reload that leaves the server as it is keeps it listed, authorized.
      await gateway.reload(await loadConfig(path));
      expect((await admin(http, '/admin/oauth')).body.servers).toEqual([{ server: 'remote', perCaller: false, authorized: true, grant: expect.objectContaining({ refreshable: true }) }]);
      // Forgotten by an administrator: revoked at the authorization server (RFC 7009) as the client it was issued to,
      // so a copy of the grants file holds nothing good; the next start asks again.
      const held = JSON.parse(JSON.parse(readFileSync(grants, 'utf8')).entries['oauth:remote:tokens:gateway'].value) as { access_token: string; refresh_token: string };
      expect(oauthServer().provider.refresh.has(held.refresh_token)).toBe(true);
      const revoked = oauthServer().provider.counts.revoked;
      expect((await admin(http, '/admin/oauth/forget', { server: 'remote' })).body).toEqual({ server: 'remote', authorized: false, revoked: true, at: new URL('/revoke', oauthServer().url).href });
      expect(oauthServer().provider.counts.revoked).toBe(revoked + 1);
      expect(oauthServer().provider.refresh.has(held.refresh_token)).toBe(false);
      expect(oauthServer().provider.access.has(held.access_token)).toBe(false);
      expect(JSON.parse(readFileSync(grants, 'utf8')).entries).not.toHaveProperty(['oauth:remote:tokens:gateway']);
      // Again: nothing is held, nothing to revoke.
      expect((await admin(http, '/admin/oauth/forget', { server: 'remote' })).body).toEqual({ server: 'remote', authorized: false, revoked: false, reason: 'no grant was held' });
    } finally {
      await alice.close();
      await http.close();
      await gateway.close();
    }
  });

  it('asks an administrator to widen its grant when the server wants more scope (403 insufficient_scope), and keeps serving meanwhile', async () => {
    const { gateway, http, logger } = await gatewayOn({}, join(dir, 'grants-step-up.json'));
    const clients: Client[] = [];
    try {
      await authorizeGateway(gateway, http, 'operator');
      const alice = await as('alice', http);
      const bob = await as('bob', http);
      clients.push(alice, bob);
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__audit_trail'), 10_000, 'the tool listed');
      // The grant holds `mcp` only: audit_trail is refused upstream. The caller is told an administrator must widen
      // it; the URL goes to the log and the admin API, never to a caller.
      const refused = await callFails(alice, 'remote__audit_trail');
      expect(refused.code).toBe(-32011);
      expect(refused.message).toBe(`Server 'remote' needs the gateway's authorization widened to scope "mcp mcp:admin": an administrator approves it (GET /admin/oauth names the URL), then call again`);
      expect(refused.message).not.toContain('http');
      // Callers refused meanwhile are sent to the same authorization; what the grant covers keeps working.
      expect((await callFails(bob, 'remote__audit_trail')).code).toBe(-32011);
      expect(await text(bob, 'remote__whoami')).toBe('operator');
      const logged = logger.entries.filter((e) => e.msg?.includes("needs the gateway's authorization widened"));
      expect(logged).toHaveLength(1);
      const listed = (await admin(http, '/admin/oauth')).body.servers as Array<{ authorized: boolean; authorizationUrl: string; needsScope: string }>;
      expect(listed).toEqual([{ server: 'remote', perCaller: false, authorized: true, grant: expect.objectContaining({ scope: 'mcp' }), authorizationUrl: (logged[0]!.obj as { authorizationUrl: string }).authorizationUrl, needsScope: 'mcp mcp:admin' }]);
      expect(new URL(listed[0]!.authorizationUrl).searchParams.get('scope')).toBe('mcp mcp:admin');
      // Approved: the call goes through with the wider grant, and nothing is pending any more.
      expect((await authorizeInBrowser(listed[0]!.authorizationUrl, 'operator')).status).toBe(200);
      expect(await text(alice, 'remote__audit_trail')).toBe('operator holds mcp mcp:admin');
      expect((await admin(http, '/admin/oauth')).body.servers).toEqual([{ server: 'remote', perCaller: false, authorized: true, grant: expect.objectContaining({ refreshable: true }) }]);
      // Refused although the grant holds the scope (its access token was narrowed): a refresh restores it and the call
      // is sent once more, with nothing for anyone to approve.
      oauthServer().narrowAccess('operator', ['mcp']);
      const refreshed = oauthServer().provider.counts.refreshed;
      expect(await text(alice, 'remote__audit_trail')).toBe('operator holds mcp mcp:admin');
      expect(oauthServer().provider.counts.refreshed).toBe(refreshed + 1);
      expect(logger.entries.filter((e) => e.msg?.includes("needs the gateway's authorization widened"))).toHaveLength(1);
    } finally {
      await shutDown([{ gateway, http }], clients);
    }
  });

  it('resourceIndicator: false leaves the RFC 8707 resource parameter out of every request (authorization servers that refuse it)', async () => {
    const { gateway, http } = await gatewayOn({ resourceIndicator: false }, join(dir, 'grants-no-resource.json'));
    const alice = await as('alice', http);
    try {
      const asked = oauthServer().provider.resources.length;
      const started = await admin(http, '/admin/oauth/authorize', { server: 'remote' });
      expect(new URL(String(started.body.authorizationUrl)).searchParams.has('resource')).toBe(false);
      await authorizeInBrowser(String(started.body.authorizationUrl), 'entra-operator');
      await waitUntil(() => upstreamOf(gateway).state === 'up', 10_000, 'the shared connection up');
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
      oauthServer().revokeAccess('entra-operator');
      expect(await text(alice, 'remote__whoami')).toBe('entra-operator');
      // The authorization, its code exchange and the refresh (a second refresh was seen once in CI): none named a resource.
      const sent = oauthServer().provider.resources.slice(asked);
      expect(sent.length).toBeGreaterThanOrEqual(3);
      expect(sent).toEqual(sent.map(() => undefined));
    } finally {
      await alice.close();
      await http.close();
      await gateway.close();
    }
  });

  it('behind a proxy that mounts it under a prefix: the browser comes back to oauth.callbackUrl through the proxy', async () => {
    const port = await freePort();
    const proxy = await prefixProxy(`http://127.0.0.1:${port}`, '/team');
    const callbackUrl = `${proxy.origin}/team/oauth/callback`;
    const grantsFile = join(dir, 'grants-behind-prefix.json');
    const { gateway, http } = await gatewayOn({}, grantsFile, { file: grantsFile, callbackUrl }, { listen: { host: '127.0.0.1', port, trustedProxies: ['loopback'] } });
    try {
      const started = await admin(http, '/admin/oauth/authorize', { server: 'remote' });
      expect(new URL(String(started.body.authorizationUrl)).searchParams.get('redirect_uri')).toBe(callbackUrl);
      // The authorization server sends the browser to the proxy, which passes /oauth/callback on without its prefix.
      const back = await authorizeInBrowser(String(started.body.authorizationUrl), 'prefixed-operator');
      expect(back.status).toBe(200);
      expect(back.text).toContain('mcplex may now use remote.');
      await waitUntil(() => upstreamOf(gateway).state === 'up', 10_000, 'the shared connection up');
    } finally {
      await proxy.close();
      await http.close();
      await gateway.close();
    }
  });

  it('oauth.encryptionKey: keeps the grants sealed at rest; a restart with the key reads them, one without it asks again', async () => {
    const file = join(dir, 'grants-sealed.json');
    const sealed = { file, encryptionKey: 'grants-sealing-secret-0123456789abcdef' };
    const first = await gatewayOn({}, file, sealed);
    try {
      await authorizeGateway(first.gateway, first.http, 'sealed-operator');
    } finally {
      await first.http.close();
      await first.gateway.close();
    }
    // Neither tokens nor the registered client are readable in the file.
    const content = readFileSync(file, 'utf8');
    const issued = [...oauthServer().provider.access.keys(), ...oauthServer().provider.refresh.keys()];
    for (const token of issued) expect(content).not.toContain(token);
    expect(content).not.toContain('client_id');
    expect(Object.values(JSON.parse(content).entries as Record<string, { value: string }>).every((e) => JSON.stringify(e).includes('mcplex.sealed.v1:'))).toBe(true);

    const again = await gatewayOn({}, file, sealed);
    const alice = await as('alice', again.http);
    try {
      await waitUntil(() => upstreamOf(again.gateway).state === 'up', 10_000, 'connected with the sealed grant');
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
      expect(await text(alice, 'remote__whoami')).toBe('sealed-operator');
    } finally {
      await alice.close();
      await again.http.close();
      await again.gateway.close();
    }
    // Another key: the grant is not used (the log says so, naming the fix), and an administrator is asked again.
    const other = await gatewayOn({}, file, { file, encryptionKey: 'another-sealing-secret-0123456789abcdef' });
    try {
      await waitUntil(() => other.logger.entries.some((e) => e.msg?.includes("upstream 'remote' needs authorization")), 10_000, 'asked again');
      expect(other.logger.entries.some((e) => e.msg?.includes('a stored secret was ignored: it was sealed with a key that is not configured'))).toBe(true);
      expect(upstreamOf(other.gateway).state).not.toBe('up');
    } finally {
      await other.http.close();
      await other.gateway.close();
    }
  });

  it('shows a refused authorization in the browser and stays unauthorized; a failed exchange starts afresh', async () => {
    const { gateway, http } = await gatewayOn({}, join(dir, 'grants-refused.json'));
    try {
      const started = await admin(http, '/admin/oauth/authorize', { server: 'remote' });
      const back = await authorizeInBrowser(String(started.body.authorizationUrl), 'deny');
      expect(back.status).toBe(400);
      expect(back.text).toContain('access_denied');
      expect(upstreamOf(gateway).state).not.toBe('up');
      // A used or made-up state is not accepted.
      const replay = await fetch(new URL('/oauth/callback?state=made-up&code=x', http.url));
      expect(replay.status).toBe(400);
      expect(await replay.text()).toContain('run out or was already used');
      expect((await admin(http, '/admin/oauth/authorize', { server: 'nope' })).status).toBe(404);
      // A code that cannot be exchanged uses the authorization up: the next start is a new one, not its dead link.
      const again = String((await admin(http, '/admin/oauth/authorize', { server: 'remote' })).body.authorizationUrl);
      const state = new URL(again).searchParams.get('state');
      const bogus = await fetch(new URL(`/oauth/callback?state=${state}&code=not-a-code`, http.url));
      expect(bogus.status).toBe(502);
      expect(await bogus.text()).toContain('could not be exchanged');
      const fresh = String((await admin(http, '/admin/oauth/authorize', { server: 'remote' })).body.authorizationUrl);
      expect(new URL(fresh).searchParams.get('state')).not.toBe(state);
      expect((await authorizeInBrowser(fresh, 'operator')).status).toBe(200);
      await waitUntil(() => upstreamOf(gateway).state === 'up', 10_000, 'the connection up once authorized');
    } finally {
      await http.close();
      await gateway.close();
    }
  });
});

describe('the admin page', () => {
  it('shows which servers need authorization, links to it, and shows the grant once made', async () => {
    const { gateway, http } = await gatewayOn({}, join(dir, 'grants-ui.json'));
    // The gateway starts an authorization on its own (the one its log names) once it serves.
    await waitUntil(async () => ((await admin(http, '/admin/oauth')).body.servers as Array<{ authorizationUrl?: string }>)[0]?.authorizationUrl, 10_000, 'an authorization started');
    const base = new URL('/', http.url).href.replace(/\/$/, '');
    const window = new Window({ url: `${base}/admin/ui`, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableCSSFileLoading: true } });
    window.sessionStorage.setItem('mcplex.adminKey', KEYS.admin);
    window.document.write(await (await fetch(`${base}/admin/ui`)).text());
    const doc = window.document;
    const rowOf = () => [...doc.querySelectorAll('#oauth tbody tr td')].map((td) => td.textContent);
    try {
      // The page links to it.
      await waitUntil(() => rowOf()[4] === 'authorize' || undefined, 10_000, 'the authorize link');
      expect(rowOf()).toEqual(['remote', "the gateway's", 'needs authorization', '', 'authorize']);
      const link = doc.querySelector('#oauth tbody a') as unknown as { href: string; target: string; rel: string };
      expect(link.target).toBe('_blank');
      expect(link.rel).toBe('noopener noreferrer');
      // Refused in the browser: the page says so until an authorization starts again.
      expect((await authorizeInBrowser(link.href, 'deny')).status).toBe(400);
      (doc.querySelector('#refresh') as unknown as { click(): void }).click();
      await waitUntil(() => rowOf()[2]?.includes('refused') || undefined, 10_000, 'the page to show the refusal');
      expect(rowOf().slice(0, 4)).toEqual(['remote', "the gateway's", 'needs authorization (the last one was refused: access_denied)', '']);
      const again = String((await admin(http, '/admin/oauth/authorize', { server: 'remote' })).body.authorizationUrl);
      expect((await admin(http, '/admin/oauth')).body.servers).toEqual([expect.not.objectContaining({ refused: expect.anything() })]);
      expect((await authorizeInBrowser(again, 'ui-operator')).status).toBe(200);
      (doc.querySelector('#refresh') as unknown as { click(): void }).click();
      await waitUntil(() => rowOf()[2] === 'authorized' || undefined, 10_000, 'the page to show the grant');
      expect(rowOf()).toEqual(['remote', "the gateway's", 'authorized', expect.stringMatching(/^scope mcp, expires .+, refreshed at .+$/), 'forget']);
      // A call that needs more scope: the page shows the step-up and links to it.
      await waitUntil(() => upstreamOf(gateway).state === 'up' && gateway.catalog.tool('remote__audit_trail') !== undefined, 10_000, 'the shared connection up, its tools listed');
      const alice = await as('alice', http);
      try {
        expect((await callFails(alice, 'remote__audit_trail')).code).toBe(-32011);
      } finally {
        await alice.close();
      }
      (doc.querySelector('#refresh') as unknown as { click(): void }).click();
      await waitUntil(() => rowOf()[2]?.startsWith('needs scope') || undefined, 10_000, 'the page to show the step-up');
      expect(rowOf()).toEqual(['remote', "the gateway's", 'needs scope mcp mcp:admin', expect.stringMatching(/^scope mcp, /), 'authorize']);
      const widen = (doc.querySelector('#oauth tbody a') as unknown as { href: string }).href;
      expect(new URL(widen).searchParams.get('scope')).toBe('mcp mcp:admin');
      expect((await authorizeInBrowser(widen, 'ui-operator')).status).toBe(200);
      (doc.querySelector('#refresh') as unknown as { click(): void }).click();
      await waitUntil(() => rowOf()[4] === 'forget' || undefined, 10_000, 'the page to show the wider grant');
      // The authorization server no longer knows the gateway's client: its revocation is refused, and the page says
      // the grant was only forgotten here.
      const clients = oauthServer().provider.clientsStore.clients;
      for (const [id, client] of clients) if (client.redirect_uris.some((uri) => String(uri).startsWith(base))) clients.delete(id);
      const notice = doc.querySelector('#notice') as unknown as { hidden: boolean; textContent: string };
      expect(notice.hidden).toBe(true);
      (doc.querySelector('#oauth tbody button') as unknown as { click(): void }).click();
      await waitUntil(() => !notice.hidden || undefined, 10_000, 'the page to tell the grant was not revoked');
      expect(notice.textContent).toMatch(/^'remote': the grant was forgotten here but not revoked at its authorization server \(the revocation at http:\/\/127\.0\.0\.1:\d+\/revoke answered invalid_client/);
      expect(rowOf()[2]).not.toBe('authorized');
    } finally {
      await window.happyDOM.abort();
      await new Promise((r) => setImmediate(r));
      await window.happyDOM.close();
      await http.close();
      await gateway.close();
    }
  });
});

describe('per-caller authorization (perCaller: true)', () => {
  it("tells each caller where to authorize, then calls with that caller's own grant", async () => {
    const grants = join(dir, 'grants-per-caller.json');
    const { gateway, http } = await gatewayOn({ perCaller: true }, grants, { file: grants }, { audit: { path: join(dir, 'audit-per-caller.db') } });
    const clients: Client[] = [];
    try {
      // The gateway's own authorization reads the tool list.
      await authorizeGateway(gateway, http, 'operator');
      // Alice's client declares URL elicitation, so it hears when her authorization is done (2025-11-25).
      const completed: string[] = [];
      const alice = await hearing('alice', http, completed);
      const bob = await as('bob', http);
      clients.push(alice, bob);
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');

      const refused = await alice.callTool({ name: 'remote__whoami', arguments: {} }).then(
        () => undefined,
        (e: { code: number; message: string; data?: { elicitations?: Array<{ mode: string; url: string; elicitationId: string }> } }) => e,
      );
      expect(refused?.code).toBe(-32042);
      expect(refused?.message).toContain("Server 'remote' acts with your own authorization; open the URL to grant it");
      expect(redactText(refused!.message)).toBe(refused!.message);
      const elicitation = refused?.data?.elicitations?.[0];
      expect(elicitation).toMatchObject({ mode: 'url' });
      expect(elicitation?.elicitationId).toEqual(expect.any(String));
      // Asked again before she has opened it: the same authorization, under the same id.
      expect((await alice.callTool({ name: 'remote__whoami', arguments: {} }).catch((e) => e)).data.elicitations[0]).toEqual(elicitation);
      expect((await authorizeInBrowser(elicitation!.url, 'alice')).text).toContain('mcplex may now use remote for you');
      await waitUntil(() => completed.length > 0, 10_000, 'alice to hear her authorization is done');
      expect(completed).toEqual([elicitation!.elicitationId]);
      expect(await text(alice, 'remote__whoami')).toBe('alice');

      // Bob is asked for his own; alice's grant never serves him.
      const bobs = await callFails(bob, 'remote__whoami');
      expect(bobs.code).toBe(-32042);
      const bobUrl = ((await bob.callTool({ name: 'remote__whoami', arguments: {} }).catch((e) => e)) as { data: { elicitations: Array<{ url: string }> } }).data.elicitations[0]!.url;
      await authorizeInBrowser(bobUrl, 'bob');
      expect(await text(bob, 'remote__whoami')).toBe('bob');
      expect(await text(alice, 'remote__whoami')).toBe('alice');

      // A 2026-era caller, whose revision has no -32042, is asked in a round to open the URL; once the browser is
      // back, the call goes through with its own grant. A client that cannot open URLs is told so (-32021).
      const opened: string[] = [];
      const modern = await opening('admin', http, 'admin', opened);
      const formOnly = await clientAs(http.url, 'modern', { authorization: `Bearer ${KEYS.admin}` });
      clients.push(modern, formOnly);
      expect((await callFails(formOnly, 'remote__whoami')).code).toBe(-32021);
      expect(await text(modern, 'remote__whoami')).toBe('admin');
      expect(opened).toHaveLength(1);

      // Each authorization is in the audit log as the act of whom it is for.
      const authorizations = await waitUntil(
        async () => {
          const records = (await admin(http, '/admin/audit?method=oauth/authorize')).body.records as Array<{ principal: string; target: string; outcome: string }>;
          return records.length === 4 ? records : undefined;
        },
        10_000,
        'four authorizations recorded',
      );
      expect(authorizations.map((r) => [r.principal, r.target, r.outcome]).sort()).toEqual([
        ['admin', 'remote', 'ok'],
        ['alice', 'remote', 'ok'],
        ['bob', 'remote', 'ok'],
        ['mcplex-gateway', 'remote', 'ok'],
      ]);

      // Alice's grant revoked entirely (refresh token too): she is asked again, bob is not.
      oauthServer().revokeAll('alice');
      expect((await callFails(alice, 'remote__whoami')).code).toBe(-32042);
      expect(await text(bob, 'remote__whoami')).toBe('bob');

      // Who holds a grant of their own (never their tokens): bob and the admin caller; alice's was dropped when refused.
      const listed = (await admin(http, '/admin/oauth/callers')).body as { servers: Array<{ server: string; callers: Array<{ principal: string; kind: string; grant?: { scope: string } }> }> };
      expect(listed.servers).toHaveLength(1);
      expect(listed.servers[0]!.callers.map((c) => `${c.principal} ${c.kind} ${c.grant?.scope}`).sort()).toEqual(['admin apiKey mcp', 'bob apiKey mcp']);
      expect(JSON.stringify(listed)).not.toMatch(/at-[0-9a-f-]{36}|rt-[0-9a-f-]{36}/);

      // An administrator lets go of bob's grants (he left): revoked at the authorization server, forgotten here; he is
      // asked again, and the gateway's own grant and the admin caller's stay.
      const bobsRefresh = () => [...oauthServer().provider.refresh.values()].filter((g) => g.user === 'bob');
      expect(bobsRefresh()).toHaveLength(1);
      const offboarded = await admin(http, '/admin/oauth/forget', { principal: 'bob' });
      expect(offboarded.status).toBe(200);
      expect(offboarded.body).toEqual({ principal: 'bob', grants: [{ server: 'remote', revoked: true, at: new URL('/revoke', oauthServer().url).href }] });
      expect(bobsRefresh()).toHaveLength(0);
      expect((await callFails(bob, 'remote__whoami')).code).toBe(-32042);
      expect(await text(modern, 'remote__whoami')).toBe('admin');
      // Nothing left to let go of; a caller id, not a server, is what a gateway grant is not.
      expect((await admin(http, '/admin/oauth/forget', { principal: 'bob', server: 'remote' })).body).toEqual({ principal: 'bob', grants: [] });
      expect((await admin(http, '/admin/oauth/forget', { principal: 42 })).status).toBe(400);
      expect((await admin(http, '/admin/oauth/forget', { server: 'nowhere' })).status).toBe(404);
      expect(((await admin(http, '/admin/oauth/callers')).body as typeof listed).servers[0]!.callers.map((c) => c.principal)).toEqual(['admin']);
    } finally {
      await shutDown([{ gateway, http }], clients);
    }
  });
});

describe("the admin page: a caller's grants", () => {
  it("revokes and forgets a caller's grants from the page, and says what became of each", async () => {
    const grants = join(dir, 'grants-ui-callers.json');
    const { gateway, http } = await gatewayOn({ perCaller: true }, grants);
    const clients: Client[] = [];
    const base = new URL('/', http.url).href.replace(/\/$/, '');
    const window = new Window({ url: `${base}/admin/ui`, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableCSSFileLoading: true } });
    try {
      await authorizeGateway(gateway, http, 'operator');
      const alice = await as('alice', http);
      clients.push(alice);
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
      const url = ((await alice.callTool({ name: 'remote__whoami', arguments: {} }).catch((e) => e)) as { data: { elicitations: Array<{ url: string }> } }).data.elicitations[0]!.url;
      await authorizeInBrowser(url, 'alice');
      expect(await text(alice, 'remote__whoami')).toBe('alice');

      window.sessionStorage.setItem('mcplex.adminKey', KEYS.admin);
      window.document.write(await (await fetch(`${base}/admin/ui`)).text());
      const doc = window.document;
      // The callers holding grants are listed, each with a button that revokes theirs.
      const rowsOf = () => [...doc.querySelectorAll('#caller-grants-table tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
      await waitUntil(() => rowsOf()[0]?.[1] === 'alice' || undefined, 10_000, 'alice listed');
      expect(rowsOf()).toEqual([['remote', 'alice', '', expect.stringMatching(/^scope mcp, expires /), 'revoke']]);
      (doc.querySelector('#caller-grants-table tbody button') as unknown as { click(): void }).click();
      const notice = doc.querySelector('#notice') as unknown as { hidden: boolean; textContent: string };
      await waitUntil(() => !notice.hidden || undefined, 10_000, 'the page to say what became of her grant');
      expect(notice.textContent).toBe('alice: remote revoked.');
      expect(rowsOf()).toEqual([['no caller holds a grant of their own (perCaller servers)']]);
      expect((await callFails(alice, 'remote__whoami')).code).toBe(-32042);
      // The form, for someone by id: she holds none now.
      (doc.querySelector('#caller-id') as unknown as { value: string }).value = 'alice';
      (doc.querySelector('#caller-grants button') as unknown as { click(): void }).click();
      await waitUntil(() => notice.textContent === 'alice held no grant.' || undefined, 10_000, 'the page to say she held none');
    } finally {
      await window.happyDOM.abort();
      await new Promise((r) => setImmediate(r));
      await window.happyDOM.close();
      await shutDown([{ gateway, http }], clients);
    }
  });
});

describe('per-caller step-up (a grant without the scope a tool needs)', () => {
  it('asks the caller to widen their own grant: -32042 in the 2025 era, a round in 2026; their other calls go on meanwhile', async () => {
    const grants = join(dir, 'grants-per-caller-step-up.json');
    const { gateway, http } = await gatewayOn({ perCaller: true }, grants);
    const clients: Client[] = [];
    try {
      await authorizeGateway(gateway, http, 'operator');
      const completed: string[] = [];
      const alice = await hearing('alice', http, completed);
      clients.push(alice);
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__audit_trail'), 10_000, 'the tool listed');
      type Refusal = { code: number; message: string; data: { elicitations: Array<{ url: string; elicitationId: string }> } };
      const first = (await alice.callTool({ name: 'remote__whoami', arguments: {} }).catch((e) => e)) as Refusal;
      await authorizeInBrowser(first.data.elicitations[0]!.url, 'alice');
      expect(await text(alice, 'remote__whoami')).toBe('alice');

      // Her grant holds `mcp`: audit_trail needs `mcp:admin` too. She is sent to widen it, asking for both.
      const refused = (await alice.callTool({ name: 'remote__audit_trail', arguments: {} }).catch((e) => e)) as Refusal;
      expect(refused.code).toBe(-32042);
      expect(refused.message).toBe(`Server 'remote' needs more of your authorization (scope "mcp mcp:admin"): open the URL to grant it, then call again`);
      const stepUp = refused.data.elicitations[0]!;
      expect(new URL(stepUp.url).searchParams.get('scope')).toBe('mcp mcp:admin');
      // Asked again before opening it: the same authorization. Her grant still serves what it covers.
      expect(((await alice.callTool({ name: 'remote__audit_trail', arguments: {} }).catch((e) => e)) as Refusal).data.elicitations[0]).toEqual(stepUp);
      expect(await text(alice, 'remote__whoami')).toBe('alice');
      await authorizeInBrowser(stepUp.url, 'alice');
      await waitUntil(() => completed.includes(stepUp.elicitationId) || undefined, 10_000, 'alice to hear the step-up is done');
      expect(await text(alice, 'remote__audit_trail')).toBe('alice holds mcp mcp:admin');
      expect(await text(alice, 'remote__whoami')).toBe('alice');

      // A 2026-era caller is asked in rounds: first to authorize, then to widen it.
      const opened: string[] = [];
      const modern = await opening('bob', http, 'bob', opened);
      clients.push(modern);
      expect(await text(modern, 'remote__whoami')).toBe('bob');
      expect(await text(modern, 'remote__audit_trail')).toBe('bob holds mcp mcp:admin');
      expect(opened.map((url) => new URL(url).searchParams.get('scope'))).toEqual(['mcp', 'mcp mcp:admin']);
    } finally {
      await shutDown([{ gateway, http }], clients);
    }
  });
});

const redisUrl = sharedRedisUrl('upstream OAuth: grants shared by replicas');

describe('replicas sharing grants (oauth.store: redis)', () => {
  it.skipIf(!redisUrl)('completes an authorization on another replica than the one that started it, and both use the grant', async () => {
    // Replicas behind a load balancer share one callback URL, the balancer's.
    const shared = { store: 'redis', redis: { url: redisUrl, keyPrefix: uniquePrefix('oauth') }, callbackUrl: 'http://balancer.invalid/oauth/callback' };
    const a = await gatewayOn({}, '', shared);
    const b = await gatewayOn({}, '', shared);
    const clients: Client[] = [];
    try {
      const started = await admin(a.http, '/admin/oauth/authorize', { server: 'remote' });
      // The authorization server sends the browser to the balancer, which happens to pick B.
      const atServer = await fetch(String(started.body.authorizationUrl), { redirect: 'manual', headers: { cookie: 'user=cluster-operator' } });
      const back = new URL(atServer.headers.get('location')!);
      const onB = await fetch(new URL(`${back.pathname}${back.search}`, b.http.url));
      expect(onB.status).toBe(200);
      for (const { gateway, http } of [a, b]) {
        await waitUntil(() => upstreamOf(gateway).state === 'up', 10_000, 'each replica up on the shared grant');
        const alice = await as('alice', http);
        clients.push(alice);
        await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
        expect(await text(alice, 'remote__whoami')).toBe('cluster-operator');
      }
    } finally {
      await shutDown([a, b], clients);
    }
  });
});

describe('replicas with cluster: (completions heard on every replica)', () => {
  it.skipIf(!redisUrl)('a caller served by one replica hears that their authorization is done when the browser comes back to the other', async () => {
    const shared = { store: 'redis', redis: { url: redisUrl, keyPrefix: uniquePrefix('oauth') }, callbackUrl: 'http://balancer.invalid/oauth/callback' };
    // A 2026-era round waits for word of the browser up to half the server's timeout (at most a minute).
    const cluster = { cluster: { redis: { url: redisUrl, keyPrefix: uniquePrefix('cluster') } }, servers: { remote: { url: oauthServer().url, timeoutMs: 300_000, auth: { oauth: { perCaller: true } } } } };
    const a = await gatewayOn({ perCaller: true }, '', shared, cluster);
    const b = await gatewayOn({ perCaller: true }, '', shared, cluster);
    /** The person approves as `user`; the balancer sends the browser back to replica B. */
    const approveViaB = async (url: string, user: string) => {
      const atServer = await fetch(url, { redirect: 'manual', headers: { cookie: `user=${user}` } });
      const back = new URL(atServer.headers.get('location')!);
      const onB = await fetch(new URL(`${back.pathname}${back.search}`, b.http.url));
      expect(onB.status).toBe(200);
    };
    const clients: Client[] = [];
    try {
      await approveViaB(String((await admin(a.http, '/admin/oauth/authorize', { server: 'remote' })).body.authorizationUrl), 'operator');
      await waitUntil(() => upstreamOf(a.gateway).state === 'up', 10_000, 'replica A up on the shared grant');
      // A 2025-era caller on A, told where to authorize; the browser returns to B; A's caller hears it is done.
      const completed: string[] = [];
      const alice = await hearing('alice', a.http, completed);
      clients.push(alice);
      await waitUntil(async () => (await alice.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
      const elicitation = ((await alice.callTool({ name: 'remote__whoami', arguments: {} }).catch((e) => e)) as { data: { elicitations: Array<{ url: string; elicitationId: string }> } }).data.elicitations[0]!;
      await approveViaB(elicitation.url, 'alice');
      await waitUntil(() => completed.length > 0, 10_000, "alice, on A, to hear that her authorization came back to B");
      expect(completed).toEqual([elicitation.elicitationId]);
      expect(await text(alice, 'remote__whoami')).toBe('alice');
      // A 2026-era caller on A: its accepted round goes on when the browser is back at B (the round waits for that
      // word up to a minute, longer than this test may take).
      const bob = await clientAs(a.http.url, 'modern', { authorization: `Bearer ${KEYS.bob}` }, {
        capabilities: { elicitation: { url: {} } },
        setup: (c) =>
          c.setRequestHandler('elicitation/create', async (req) => {
            await approveViaB((req.params as { url: string }).url, 'bob');
            return { action: 'accept' };
          }),
      });
      clients.push(bob);
      expect(await text(bob, 'remote__whoami')).toBe('bob');
    } finally {
      await shutDown([a, b], clients);
    }
  }, 40_000);
});

describe('mcplex serve --stdio', () => {
  it('opens the authorization in the desktop browser and serves the OAuth callback on a listener of its own, so it completes without the HTTP endpoint', async () => {
    const path = join(dir, 'stdio.json');
    const grants = join(dir, 'grants-stdio.json');
    writeFileSync(path, JSON.stringify({ listen: { port: 0 }, oauth: { file: grants }, servers: { remote: { url: oauthServer().url, auth: { oauth: {} } } } }));
    // The desktop's opener, standing in for the browser: it records the URL it is given.
    const bin = join(dir, 'stdio-bin');
    const opened = join(dir, 'stdio-opened.txt');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...CLI, 'serve', '--stdio', '--config', path],
      cwd: ROOT,
      env: { ...(process.env as Record<string, string>), MCPLEX_LOG_LEVEL: 'info', PATH: `${bin}:${process.env.PATH}` },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d));
    const client = new Client({ name: 'stdio-oauth-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      // The log says where the callback listens and which URL to open (a person reads it in the host's logs).
      // Whole lines only: the log is written asynchronously, and a line may arrive in two pieces.
      const line = await waitUntil(() => stderr.split('\n').slice(0, -1).find((l) => l.includes("upstream 'remote' needs authorization")), 20_000, 'the URL in the log');
      const { authorizationUrl } = JSON.parse(line) as { authorizationUrl: string };
      expect(stderr).toContain('OAuth callback listening');
      // Over stdio the gateway is a person's: it opens the URL in their browser, once.
      await waitUntil(() => stderr.includes('opened the authorization URL in the browser') || undefined, 10_000, 'the browser opened');
      // The log line comes once the opener is started; what it records, once it has run.
      await waitUntil(() => existsSync(opened) && readFileSync(opened, 'utf8').endsWith('\n'), 10_000, 'the opener to record the URL');
      expect(readFileSync(opened, 'utf8')).toBe(`${authorizationUrl}\n`);
      expect((await authorizeInBrowser(authorizationUrl, 'desktop-user')).status).toBe(200);
      await waitUntil(async () => (await client.listTools()).tools.some((t) => t.name === 'remote__whoami'), 20_000, 'the tool listed');
      const answer = await client.callTool({ name: 'remote__whoami', arguments: {} });
      expect((answer.content as Array<{ text: string }>)[0]!.text).toBe('desktop-user');
    } finally {
      const pid = transport.pid;
      await client.close();
      if (pid) await waitGone(pid, 8000);
    }
  });
});
