// auth.oauthProxy.provider: sign-in through identity providers whose access tokens the gateway cannot check (opaque,
// with no introspection: Google's, GitHub's). oidc-provider plays both: an OpenID provider found by discovery, with
// opaque tokens good at its userinfo endpoint and refresh tokens (as Google), and the same known only by its endpoints,
// with no refresh token (as a GitHub OAuth app). The person is read from the userinfo at sign-in and at each refresh;
// the MCP client gets the proxy's own JWT (for this resource, signed with a key derived from the proxy's key), never
// the provider's tokens, and calls tools as that person.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OAuthTokens, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { sha256 } from '../../src/core/sha256.js';
import { ConfigError } from '../../src/core/errors.js';
import { loadConfig } from '../../src/gateway/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { Browser } from '../helpers/browser.js';
import { freePort } from '../helpers/http.js';
import { APP_CALLBACK, AppProvider, approve, connect } from '../helpers/oauth-app.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';
import { ROOT, tsxArgs, waitUntil } from '../helpers/process.js';
import { FAST_RESTART, UPSTREAM } from './fixtures/helpers.js';

const SECRET = 'a-client-secret-0123456789';
const KEY = 'an-oauth-proxy-key-0123456789abcdef';
const ADMIN_KEY = 'mcplex_admin-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mcplex-oauth-proxy-provider-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function configFile(auth: Record<string, unknown>): string {
  const path = join(dir, `gateway-${++files}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      servers: { up: { command: process.execPath, args: tsxArgs(UPSTREAM, '--name', 'up'), cwd: ROOT, env: { MCPLEX_LOG_LEVEL: 'warn' } } },
      audit: { path: join(dir, `audit-${files}.db`) },
      auth: { apiKeys: { [`sha256:${sha256(ADMIN_KEY)}`]: { id: 'admin', scopes: ['mcplex:admin'] } }, ...auth },
      policy: { scopes: { tools: { up__alpha: ['notes:write'] } } },
    }),
  );
  return path;
}

interface Running {
  idp: Idp;
  origin: string;
  url: string;
  close(): Promise<void>;
}

/** A provider and a gateway signing in through it: `provider` made from the provider's issuer. */
async function running(
  provider: (issuer: string) => Record<string, unknown>,
  grants: { refreshTokens?: boolean; clientJwks?: object[] } = {},
  proof: Record<string, string> = { clientSecret: SECRET },
): Promise<Running & { gateway: Gateway; http: HttpHandle }> {
  const idp = await startIdp();
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const url = `${origin}/mcp`;
  idp.register('mcplex-gateway', SECRET, `${origin}/oauth/idp-callback`, { resource: url, accessTokenTtl: 300, userinfo: true, ...grants });
  const config = await loadConfig(
    configFile({ resource: url, oauthProxy: { clientId: 'mcplex-gateway', ...proof, scopes: 'openid email profile', clientScopes: ['notes:write'], key: KEY, provider: provider(idp.issuer) } }),
  );
  const gateway = new Gateway(config, { logger: silentLogger, restart: FAST_RESTART });
  await gateway.start();
  const http = await gateway.serveHttp({ port });
  return { idp, origin, url, gateway, http, close: async () => {
      await http.close();
      await gateway.close();
      await idp.close();
    },
  };
}

/** An app signs in through the gateway as `person`: its tokens, as it saved them. */
async function signedIn(r: Running, person: string, scope?: string): Promise<{ app: AppProvider; opened: URL }> {
  const app = new AppProvider(`App of ${person}`);
  expect(await connect(r.url, app)).toBeInstanceOf(UnauthorizedError);
  const opened = new URL(app.opened!);
  if (scope) opened.searchParams.set('scope', scope);
  const { back } = await approve(r.idp, new Browser(), opened, person);
  await new StreamableHTTPClientTransport(new URL(r.url), { authProvider: app }).finishAuth(back.searchParams.get('code')!, back.searchParams.get('iss')!);
  return { app, opened };
}

const form = (origin: string, path: string, body: Record<string, string>) =>
  fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });

describe('oauthProxy.provider: an OpenID provider with opaque tokens (as Google)', () => {
  let r: Awaited<ReturnType<typeof running>>;
  beforeAll(async () => {
    r = await running((issuer) => ({ issuer, subject: 'email', tenant: 'hd', claims: ['name'], tokenLifetimeSeconds: 600, allow: { hd: ['example.com'] } }));
  });
  afterAll(() => r.close());

  it("the app gets the proxy's own token for this server, and calls tools as the person the provider's userinfo names", async () => {
    const { app, opened } = await signedIn(r, 'alice', 'notes:write');
    // The provider was asked for its own scopes only: notes:write is the gateway's to grant.
    const token = app.saved!.access_token;
    expect(decodeJwt(token)).toMatchObject({ iss: r.origin, aud: r.url, sub: 'alice@example.com', hd: 'example.com', name: 'Person alice', scope: 'notes:write' });
    expect(app.saved!.expires_in).toBe(600);
    expect(opened.searchParams.get('scope')).toBe('notes:write');
    const connected = await connect(r.url, app);
    if (connected instanceof UnauthorizedError) throw connected;
    try {
      const called = await connected.client.callTool({ name: 'up__alpha', arguments: {} });
      expect((called.content as Array<{ text: string }>)[0]!.text).toBe('alpha');
    } finally {
      await connected.client.close();
    }
    const row = await waitUntil(async () => {
      const res = await fetch(`${r.origin}/admin/audit?method=tools/call`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      return ((await res.json()) as { records: Array<{ principal: string; tenant: string; target: string }> }).records.find((x) => x.target === 'up__alpha');
    }, 10_000, 'the call audited');
    expect(row).toMatchObject({ principal: 'alice@example.com', tenant: 'example.com' });
    // Without the scope approved, the tool that needs it answers the step-up challenge, and the SDK asks for it by
    // itself; approved, the proxy's next token carries it.
    const plain = await signedIn(r, 'bob');
    expect(decodeJwt(plain.app.saved!.access_token).scope).toBeUndefined();
    const first = await connect(r.url, plain.app);
    if (first instanceof UnauthorizedError) throw first;
    plain.app.opened = undefined;
    await expect(first.client.callTool({ name: 'up__alpha', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    await first.client.close();
    expect(plain.app.opened!.searchParams.get('scope')).toContain('notes:write');
    const stepped = await approve(r.idp, new Browser(), plain.app.opened!, 'bob');
    expect(stepped.consent.text).toContain('It asks for more than signing in: <b>notes:write</b>.');
    await new StreamableHTTPClientTransport(new URL(r.url), { authProvider: plain.app }).finishAuth(stepped.back.searchParams.get('code')!, stepped.back.searchParams.get('iss')!);
    expect(decodeJwt(plain.app.saved!.access_token)).toMatchObject({ sub: 'bob@example.com', scope: 'notes:write' });
    const second = await connect(r.url, plain.app);
    if (second instanceof UnauthorizedError) throw second;
    expect((await second.client.callTool({ name: 'up__alpha', arguments: {} })).content).toEqual([{ type: 'text', text: 'alpha' }]);
    await second.client.close();
  });

  it("refreshes by asking the provider again; a refresh token revoked there ends the grant; the provider's own tokens are no credential here", async () => {
    const { app } = await signedIn(r, 'carol');
    const clientId = app.client!.client_id;
    const before = r.idp.refreshes.granted;
    const renewed = await form(r.origin, '/oauth/token', { grant_type: 'refresh_token', refresh_token: app.saved!.refresh_token!, client_id: clientId });
    expect(renewed.status).toBe(200);
    const tokens = (await renewed.json()) as OAuthTokens;
    expect(r.idp.refreshes.granted).toBe(before + 1);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'carol@example.com', iss: r.origin });
    // The proxy's access tokens are checked by their signature alone: revoking one is refused, saying so.
    const own = await form(r.origin, '/oauth/revoke', { token: tokens.access_token, client_id: clientId });
    expect(own.status).toBe(400);
    expect(await own.json()).toEqual({ error: 'unsupported_token_type', error_description: "this server's access tokens are good until they expire (600 s): revoke the refresh token" });
    expect((await form(r.origin, '/oauth/revoke', { token: tokens.refresh_token!, client_id: clientId })).status).toBe(200);
    const ended = await form(r.origin, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId });
    expect(await ended.json()).toMatchObject({ error: 'invalid_grant' });
    // A token of the provider itself (good at its userinfo) is not one the gateway takes.
    const sealedWrong = await fetch(r.url, { method: 'POST', headers: { authorization: 'Bearer an-opaque-provider-token', 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(sealedWrong.status).toBe(401);
  });
});

describe('oauthProxy.provider: a plain OAuth 2.0 provider known by its endpoints, with no refresh token (as a GitHub OAuth app)', () => {
  it("keeps asking the provider's userinfo with its access token; once the provider has revoked it, a refresh ends the grant", async () => {
    const r = await running((issuer) => ({ authorizationUrl: `${issuer}/auth`, tokenUrl: `${issuer}/token`, userinfoUrl: `${issuer}/me`, subject: 'sub', allow: { sub: ['dana'] } }), { refreshTokens: false });
    try {
      const { app } = await signedIn(r, 'dana');
      expect(decodeJwt(app.saved!.access_token)).toMatchObject({ sub: 'dana', iss: r.origin, aud: r.url });
      expect(decodeJwt(app.saved!.access_token).email).toBeUndefined();
      // The proxy's refresh token still works: the provider's access token is good.
      const clientId = app.client!.client_id;
      const renewed = await form(r.origin, '/oauth/token', { grant_type: 'refresh_token', refresh_token: app.saved!.refresh_token!, client_id: clientId });
      expect(renewed.status).toBe(200);
      const tokens = (await renewed.json()) as OAuthTokens;
      expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'dana' });
      // The person revokes the app at the provider: the next refresh is refused, and the app signs in again.
      await r.idp.revokeAll('dana');
      const ended = await form(r.origin, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId });
      expect(ended.status).toBe(400);
      expect(await ended.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringContaining("the person's grant there has ended") });
      // Someone allow does not name signs in at the provider: the code exchange is refused, and the audit log says why.
      const eve = new AppProvider('App of eve');
      await connect(r.url, eve);
      const { back } = await approve(r.idp, new Browser(), eve.opened!, 'eve');
      const refused = await form(r.origin, '/oauth/token', { grant_type: 'authorization_code', code: back.searchParams.get('code')!, client_id: eve.client!.client_id, redirect_uri: back.origin + back.pathname, code_verifier: eve.codeVerifier() });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error: 'invalid_grant', error_description: 'the identity provider says sub is "eve"; this server takes dana only' });
      const audited = await waitUntil(async () => {
        const res = await fetch(`${r.origin}/admin/audit?method=oauth/sign-in`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        return ((await res.json()) as { records: Array<{ target: string; outcome: string; args?: { refused?: string } }> }).records.find((x) => x.target === 'App of eve');
      }, 10_000, 'the refused sign-in audited');
      expect(audited).toMatchObject({ outcome: 'error', args: { refused: 'the identity provider says sub is "eve"; this server takes dana only' } });
    } finally {
      await r.close();
    }
  });
});

describe('oauthProxy.provider: config errors name the path and the fix', () => {
  const refused = async (auth: Record<string, unknown>, message: RegExp) => {
    const error = await loadConfig(configFile(auth)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(message);
  };
  const proxy = (provider: Record<string, unknown>) => ({ resource: 'https://mcp.example.com/mcp', oauthProxy: { clientId: 'c', clientSecret: SECRET, scopes: 'openid email', key: KEY, provider: { allowAnyone: true, ...provider } } });

  it('refuses a provider naming no one who may sign in, with auth.jwt, both discovery and endpoints, endpoints without userinfo, plain http elsewhere; a secret and a key at once', async () => {
    await refused({ ...proxy({ issuer: 'https://accounts.google.com' }), jwt: { issuer: 'https://x.example', audience: 'a', jwksUrl: 'https://x.example/jwks' } }, /auth\.jwt: with oauthProxy\.provider the proxy signs the tokens/);
    await refused(proxy({ issuer: 'https://accounts.google.com', authorizationUrl: 'https://a.example/auth', tokenUrl: 'https://a.example/token' }), /auth\.oauthProxy\.provider: give one of issuer .* or authorizationUrl and tokenUrl .*\)$/m);
    await refused(proxy({ authorizationUrl: 'https://github.com/login/oauth/authorize', tokenUrl: 'https://github.com/login/oauth/access_token' }), /needs authorizationUrl, tokenUrl and userinfoUrl/);
    await refused(proxy({ issuer: 'http://idp.example' }), /auth\.oauthProxy\.provider\.issuer: expected .* \(an https URL; http only on 127\.0\.0\.1 or localhost\)/);
    await refused(proxy({ issuer: 'https://accounts.google.com', tokenLifetimeSeconds: 10 }), /tokenLifetimeSeconds: expected at least 60 seconds/);
    await refused(proxy({ issuer: 'https://accounts.google.com', allowAnyone: undefined }), /auth\.oauthProxy\.provider: say who may sign in: allow: \{ hd: \[example\.com\] \}/);
    await refused(proxy({ issuer: 'https://accounts.google.com', allowAnyone: undefined, organizations: ['acme'] }), /auth\.oauthProxy\.provider: organizations are read next to userinfoUrl/);
    await refused(proxy({ authorizationUrl: 'https://github.com/login/oauth/authorize', tokenUrl: 'https://github.com/login/oauth/access_token', userinfoUrl: 'https://api.github.com/user', organizations: ['acme'] }), /auth\.oauthProxy\.scopes: provider\.organizations needs the read:org scope/);
    const withProof = (more: Record<string, unknown>) => {
      const p = proxy({ issuer: 'https://accounts.google.com' });
      return { ...p, oauthProxy: { ...p.oauthProxy, ...more } };
    };
    await refused(withProof({ privateKeyFile: '/etc/mcplex/proxy.key' }), /auth\.oauthProxy: give clientSecret or privateKeyFile .*, not both/);
    await refused(withProof({ clientSecret: undefined, keyId: 'k1' }), /auth\.oauthProxy: signingAlg, keyId and certificateFile go with privateKeyFile/);
    await refused(withProof({ clientSecret: undefined, privateKeyFile: '/k', signingAlg: 'HS256' }), /auth\.oauthProxy\.signingAlg: expected a JWS algorithm/);
  });
});

describe("oauthProxy.privateKeyFile: the gateway proves itself to the provider with its key (private_key_jwt, Entra ID's certificate credentials)", () => {
  it('signs its client assertions with the key, naming its kid and its certificate’s thumbprint; another key is refused', async () => {
    // The key and a self-signed certificate of it, as an operator uploads to Entra ID.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(dir, 'proxy-client.key');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const certFile = join(dir, 'proxy-client.crt');
    execFileSync('openssl', ['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=mcplex-gateway', '-days', '2', '-out', certFile], { stdio: 'pipe' });
    const der = new X509Certificate(readFileSync(certFile)).raw;
    const [thumbprint, sha1] = [createHash('sha256').update(der).digest('base64url'), createHash('sha1').update(der).digest('base64url')];
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'gateway-2026', use: 'sig', alg: 'ES256' };
    const r = await running((issuer) => ({ issuer, subject: 'email', allowAnyone: true }), { clientJwks: [jwk] }, { privateKeyFile: keyFile, keyId: 'gateway-2026', certificateFile: certFile });
    try {
      const { app } = await signedIn(r, 'fay');
      expect(decodeJwt(app.saved!.access_token)).toMatchObject({ sub: 'fay@example.com' });
      const assertion = r.idp.assertions.at(-1)!;
      expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'ES256', kid: 'gateway-2026', 'x5t#S256': thumbprint, x5t: sha1 });
      // For the token endpoint (what Entra ID, Okta and Keycloak all take).
      expect(decodeJwt(assertion)).toMatchObject({ iss: 'mcplex-gateway', sub: 'mcplex-gateway', aud: `${r.idp.issuer}/token` });
    } finally {
      await r.close();
    }
    // A key the provider does not know: the code exchange is refused, and the app is told.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherFile = join(dir, 'other.key');
    writeFileSync(otherFile, other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const wrong = await running((issuer) => ({ issuer, subject: 'email', allowAnyone: true }), { clientJwks: [jwk] }, { privateKeyFile: otherFile, keyId: 'gateway-2026' });
    try {
      const app = new AppProvider('Refused App');
      await connect(wrong.url, app);
      const { back } = await approve(wrong.idp, new Browser(), app.opened!, 'gil');
      const code = back.searchParams.get('code')!;
      const exchanged = await form(wrong.origin, '/oauth/token', { grant_type: 'authorization_code', code, client_id: app.client!.client_id, redirect_uri: back.origin + back.pathname, code_verifier: app.codeVerifier() });
      expect(exchanged.status).toBe(400);
      expect(await exchanged.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('invalid_client') });
    } finally {
      await wrong.close();
    }
  });
});

/**
 * A stand-in for GitHub's OAuth app endpoints (github.com is not reachable from here), as GitHub documents them: the
 * authorization approves at once as `login`, the token endpoint answers JSON when asked (with an error in a 200 body,
 * as GitHub does), PKCE S256 is checked, and `/user` answers the login for a token it issued (and wants a User-Agent).
 */
async function githubStandIn(login: string, orgs: string[] = []): Promise<{ origin: string; close(): Promise<void> }> {
  const codes = new Map<string, { challenge: string; redirect: string }>();
  const tokens = new Set<string>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/login/oauth/authorize') {
      const code = randomUUID();
      codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', redirect: url.searchParams.get('redirect_uri') ?? '' });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return res.writeHead(302, { location: back.href }).end();
    }
    if (url.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      const held = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verified = held && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === held.challenge && form.get('client_secret') === SECRET;
      if (!verified) return json(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.', error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code' });
      const token = `gho_${randomUUID().replaceAll('-', '')}`;
      tokens.add(token);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
    }
    if (url.pathname === '/user') {
      const token = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!req.headers['user-agent']) return json(403, { message: 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header' });
      if (!token || !tokens.has(token)) return res.writeHead(401, { 'www-authenticate': 'Bearer realm="GitHub"', 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
      return json(200, { login, id: 583231, name: 'The Octocat', email: null });
    }
    if (url.pathname === '/user/orgs') {
      // GitHub pages by per_page (at most 100); this stand-in by 2 at most, so that a second page is read.
      const token = /^(?:Bearer|token) (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !tokens.has(token)) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
      const size = Math.min(Number(url.searchParams.get('per_page') ?? 30), 2);
      const page = Number(url.searchParams.get('page') ?? 1);
      const more = orgs.length > page * size;
      const next = new URL(url.href.replace('http://x', `http://${req.headers.host}`));
      next.searchParams.set('page', String(page + 1));
      res.writeHead(200, { 'content-type': 'application/json', ...(more && { link: `<${next.href}>; rel="next", <${next.href}>; rel="last"` }) });
      return res.end(JSON.stringify(orgs.slice((page - 1) * size, page * size).map((o, i) => ({ login: o, id: 1000 + i }))));
    }
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A gateway signing people in through the GitHub stand-in, with `more` provider settings beside its endpoints. */
async function behindGitHub(github: Awaited<ReturnType<typeof githubStandIn>>, more: Record<string, unknown>, scopes: string) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const url = `${origin}/mcp`;
  const provider = { authorizationUrl: `${github.origin}/login/oauth/authorize`, tokenUrl: `${github.origin}/login/oauth/access_token`, userinfoUrl: `${github.origin}/user`, subject: 'login', ...more };
  const gateway = new Gateway(await loadConfig(configFile({ resource: url, oauthProxy: { clientId: 'Iv1.mcplex', clientSecret: SECRET, scopes, key: KEY, provider } })), { logger: silentLogger, restart: FAST_RESTART });
  await gateway.start();
  const http = await gateway.serveHttp({ port });
  return {
    origin,
    url,
    close: async () => {
      await http.close();
      await gateway.close();
      await github.close();
    },
  };
}

/** An app signs in through the gateway at `url` (GitHub approves at once): the app, and the code it was given. */
async function signedInAtGitHub(url: string): Promise<{ app: AppProvider; code: string }> {
  const app = new AppProvider('GitHub App');
  await connect(url, app);
  const browser = new Browser();
  const back = new URL((await browser.submit(await browser.open(app.opened!.href), { decision: 'approve' }, APP_CALLBACK)).url);
  const code = back.searchParams.get('code')!;
  await new StreamableHTTPClientTransport(new URL(url), { authProvider: app }).finishAuth(code, back.searchParams.get('iss')!);
  return { app, code };
}

describe('oauthProxy.provider against GitHub as it answers (a stand-in: github.com is not reachable here)', () => {
  it('organizations: a member of one of them signs in (its login in any case, on a later page) and keeps refreshing; once out of it, a refresh is refused', async () => {
    const orgs = ['octo-labs', 'other', 'ACME'];
    const { origin, url, close } = await behindGitHub(await githubStandIn('octocat', orgs), { organizations: ['acme', 'not-ours'] }, 'read:user read:org');
    try {
      const { app } = await signedInAtGitHub(url);
      expect(decodeJwt(app.saved!.access_token)).toMatchObject({ sub: 'octocat', orgs: ['acme'] });
      const clientId = app.client!.client_id;
      const renewed = await form(origin, '/oauth/token', { grant_type: 'refresh_token', refresh_token: app.saved!.refresh_token!, client_id: clientId });
      expect(renewed.status).toBe(200);
      const tokens = (await renewed.json()) as OAuthTokens;
      expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: 'octocat', orgs: ['acme'] });
      orgs.splice(orgs.indexOf('ACME'), 1);
      const ended = await form(origin, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId });
      expect(ended.status).toBe(400);
      expect(await ended.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/^the identity provider names this person a member of none of acme, not-ours \(or does not show it to this app: it needs the read:org scope/) });
    } finally {
      await close();
    }
  });

  it('signs in by the login /user names; a code GitHub refuses (in a 200 body) is answered invalid_grant with its reason', async () => {
    const { origin, url, close } = await behindGitHub(await githubStandIn('octocat'), { claims: ['name'], allow: { login: ['octocat'] } }, 'read:user');
    try {
      const { app, code } = await signedInAtGitHub(url);
      expect(decodeJwt(app.saved!.access_token)).toMatchObject({ iss: origin, aud: url, sub: 'octocat', name: 'The Octocat' });
      const connected = await connect(url, app);
      if (connected instanceof UnauthorizedError) throw connected;
      expect((await connected.client.callTool({ name: 'up__echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'up: hi' }]);
      await connected.client.close();
      // The same code again: GitHub answers 200 with bad_verification_code, which the app reads as GitHub's refusal.
      const replayed = await form(origin, '/oauth/token', { grant_type: 'authorization_code', code, client_id: app.client!.client_id, redirect_uri: APP_CALLBACK, code_verifier: app.codeVerifier() });
      expect(replayed.status).toBe(400);
      expect(await replayed.json()).toEqual({ error: 'invalid_grant', error_description: 'the identity provider answered bad_verification_code: The code passed is incorrect or expired.' });
    } finally {
      await close();
    }
  });
});
