// oauth.confirmCaller: a per-caller authorization link first makes the browser that opens it prove it is the caller
// the link was made for, and only that browser may complete the authorization. Real parts throughout: the example
// OAuth upstream (examples/oauth-server.ts, whose authorization page approves as the browser's `user` cookie), the
// gateway from a config file, the official SDK client as callers, a real OpenID Connect provider (oidc-provider) for
// the sign-in, and a browser that keeps cookies and sends forms as one does (test/helpers/browser.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/sha256.js';
import { loadConfig } from '../../src/gateway/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { oauthServerForSuite } from '../fixtures/oauth-upstream.js';
import { Browser } from '../helpers/browser.js';
import { capturingLogger } from '../helpers/logger.js';
import { startIdp } from '../helpers/oidc-idp.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { callFails, clientAs, text } from './isolation/fixtures.js';
import { FAST_RESTART, shutDown } from './fixtures/helpers.js';

const KEYS = { admin: 'mcplex_admin-key-0123456789', alice: 'mcplex_alice-key-0123456789', bob: 'mcplex_bob-key-0123456789' };
const JWT_SECRET = 'a-test-secret-of-more-than-32-bytes-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'mcplex-confirm-caller-'));
const oauthServer = oauthServerForSuite();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let configs = 0;
async function gatewayWith(auth: Record<string, unknown>, confirmCaller: unknown, store: Record<string, unknown> = { store: 'memory' }, listen: Record<string, unknown> = {}) {
  const path = join(dir, `gateway-${++configs}.json`);
  const config = {
    listen: { host: '127.0.0.1', port: 0, ...listen },
    auth,
    oauth: { ...store, confirmCaller },
    audit: { path: join(dir, `audit-${configs}.db`) },
    servers: { remote: { url: oauthServer().url, auth: { oauth: { perCaller: true } } } },
  };
  writeFileSync(path, JSON.stringify(config));
  const logger = capturingLogger();
  const gateway = new Gateway(await loadConfig(path), { logger, restart: FAST_RESTART });
  await gateway.start();
  const http = await gateway.serveHttp();
  // The gateway's own grant reads the tool list (an administrator's, not a caller's link: nothing to confirm).
  const started = await fetch(new URL('/admin/oauth/authorize', http.url), { method: 'POST', headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' }, body: '{"server":"remote"}' });
  const { authorizationUrl } = (await started.json()) as { authorizationUrl?: string };
  // (a replica sharing another's store may find the grant made already)
  if (authorizationUrl) await new Browser({ user: 'operator' }, { 'http://balancer.invalid': () => http.url }).open(authorizationUrl);
  await waitUntil(() => gateway.health().upstreams.find((u) => u.name === 'remote')?.state === 'up', 10_000, 'the shared connection up');
  return { gateway, http, logger };
}

const apiKeys = Object.fromEntries(Object.entries(KEYS).map(([id, key]) => [`sha256:${sha256(key)}`, { id, scopes: id === 'admin' ? ['mcplex:admin', 'tools'] : ['tools'] }]));

/** The link a caller is given (the -32042's URL elicitation), after the tool is listed. */
async function linkOf(client: Client): Promise<{ url: string; elicitationId: string }> {
  await waitUntil(async () => (await client.listTools()).tools.some((t) => t.name === 'remote__whoami'), 10_000, 'the tool listed');
  const refused = (await client.callTool({ name: 'remote__whoami', arguments: {} }).catch((e) => e)) as { code: number; data: { elicitations: Array<{ url: string; elicitationId: string }> } };
  expect(refused.code).toBe(-32042);
  return refused.data.elicitations[0]!;
}

const auditOf = async (http: HttpHandle, method: string) =>
  ((await (await fetch(new URL(`/admin/audit?method=${method}`, http.url), { headers: { authorization: `Bearer ${KEYS.admin}` } })).json()) as { records: Array<{ principal: string; outcome: string; args?: unknown }> }).records;

describe('oauth.confirmCaller: apiKey', () => {
  it("the link asks for the caller's key; another key, another site's form or another browser cannot complete it", async () => {
    const { gateway, http, logger } = await gatewayWith({ apiKeys }, 'apiKey');
    const clients: Client[] = [];
    try {
      const completed: string[] = [];
      const alice = await clientAs(http.url, 'legacy', { authorization: `Bearer ${KEYS.alice}` }, {
        capabilities: { elicitation: { url: {} } },
        setup: (c) => c.setNotificationHandler('notifications/elicitation/complete', async (n) => void completed.push(String(n.params.elicitationId))),
      });
      clients.push(alice);
      const link = await linkOf(alice);
      // The link is the gateway's confirmation page, not the authorization server's.
      expect(new URL(link.url).origin).toBe(new URL(http.url).origin);
      expect(new URL(link.url).pathname).toBe('/oauth/confirm');

      // Bob, sent alice's link, enters his own key: refused, and recorded.
      const bobs = new Browser({ user: 'bob' });
      const form = await bobs.open(link.url);
      expect(form.status).toBe(200);
      expect(form.text).toContain('enter the mcplex API key');
      const refused = await bobs.submit(form, { key: KEYS.bob });
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('not the one this link was made for');
      expect((await bobs.submit(form, { key: 'mcplex_made-up' })).status).toBe(403);
      // A page elsewhere cannot send the form for someone (alice's key in a cross-site POST).
      const crossSite = await fetch(new URL('/oauth/confirm/key', http.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: new URLSearchParams({ state: new URL(link.url).searchParams.get('state')!, key: KEYS.alice }).toString(),
      });
      expect(crossSite.status).toBe(403);
      expect(logger.entries.some((e) => e.msg?.includes('opened by someone who is not its caller') && (e.obj as { why?: string }).why === "the key is bob's")).toBe(true);

      // Alice confirms in her browser and is sent on to the authorization server; bob, handed that URL, approves it
      // as himself, but his browser did not confirm: the gateway refuses the code and keeps the authorization open.
      const alices = new Browser({ user: 'alice' });
      const atServer = await alices.submit(await alices.open(link.url), { key: KEYS.alice }, oauthServer().url.replace(/\/mcp$/, ''));
      expect(atServer.url.startsWith(oauthServer().url.replace(/\/mcp$/, ''))).toBe(true);
      const hijack = await bobs.open(atServer.url);
      expect(hijack.status).toBe(403);
      expect(hijack.text).toContain('not confirmed in this browser');
      expect((await callFails(alice, 'remote__whoami')).code).toBe(-32042);

      // Alice's browser goes on and completes it: her calls carry her grant, and she hears it is done.
      const done = await alices.open(atServer.url);
      expect(done.status).toBe(200);
      expect(done.text).toContain('mcplex may now use remote for you');
      expect(await text(alice, 'remote__whoami')).toBe('alice');
      await waitUntil(() => completed.length > 0, 10_000, 'alice to hear her authorization is done');
      expect(completed).toEqual([link.elicitationId]);

      // In the audit log: two refused confirmations (bob's key, a made-up one), alice's confirmation and grant.
      const confirms = await waitUntil(async () => {
        const records = await auditOf(http, 'oauth/confirm');
        return records.length === 3 ? records : undefined;
      }, 10_000, 'three confirmations recorded');
      expect(confirms.map((r) => [r.principal, r.outcome]).sort()).toEqual([
        ['alice', 'error'],
        ['alice', 'error'],
        ['alice', 'ok'],
      ]);
      const grants = await waitUntil(async () => {
        const records = (await auditOf(http, 'oauth/authorize')).filter((r) => r.principal === 'alice');
        return records.length > 0 ? records : undefined;
      }, 10_000, "alice's authorization recorded");
      expect(grants.map((r) => r.outcome)).toEqual(['ok']);
    } finally {
      await shutDown([{ gateway, http }], clients);
    }
  });
});

describe('oauth.confirmCaller: oidc', () => {
  it('the link signs the person in at the identity provider; only the caller it was made for goes on', async () => {
    const idp = await startIdp();
    const jwt = { issuer: 'https://callers.example', audience: 'mcplex', secret: JWT_SECRET };
    const { gateway, http } = await gatewayWith({ apiKeys, jwt }, { oidc: { issuer: idp.issuer, clientId: 'mcplex-gateway', clientSecret: 'a-client-secret-0123456789' } });
    idp.register('mcplex-gateway', 'a-client-secret-0123456789', new URL('/oauth/confirm', http.url).href);
    const tokenFor = (sub: string) =>
      new SignJWT({ scope: 'tools' }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(jwt.issuer).setAudience(jwt.audience).setExpirationTime('10m').sign(new TextEncoder().encode(JWT_SECRET));
    const clients: Client[] = [];
    try {
      const alice = await clientAs(http.url, 'legacy', { authorization: `Bearer ${await tokenFor('alice')}` });
      clients.push(alice);
      const link = await linkOf(alice);
      const authServer = oauthServer().url.replace(/\/mcp$/, '');

      // An API-key caller's link cannot be confirmed by a sign-in (only oidc is configured): the page says so.
      const keyed = await clientAs(http.url, 'legacy', { authorization: `Bearer ${KEYS.bob}` });
      clients.push(keyed);
      const unconfirmable = await new Browser({ user: 'bob' }).open((await linkOf(keyed)).url);
      expect(unconfirmable.status).toBe(403);
      expect(unconfirmable.text).toContain('which this gateway does not confirm in a browser');

      // Bob opens alice's link and signs in as himself: refused.
      const bobs = new Browser({ user: 'bob' });
      const bobSignIn = await bobs.open(link.url);
      expect(bobSignIn.url.startsWith(idp.issuer)).toBe(true);
      const refused = await idp.signIn(bobs, bobSignIn, 'bob');
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('signed in as someone other than the caller');

      // Alice signs in as herself and is sent on to the authorization server, then back: her grant.
      const alices = new Browser({ user: 'alice' });
      const atServer = await idp.signIn(alices, await alices.open(link.url), 'alice', authServer);
      expect(atServer.url.startsWith(authServer)).toBe(true);
      const done = await alices.open(atServer.url);
      expect(done.text).toContain('mcplex may now use remote for you');
      expect(await text(alice, 'remote__whoami')).toBe('alice');
      const confirms = await waitUntil(async () => {
        const records = await auditOf(http, 'oauth/confirm');
        return records.length === 2 ? records : undefined;
      }, 10_000, 'two confirmations recorded');
      expect(confirms.map((r) => [r.principal, r.outcome, r.args]).sort()).toEqual([
        ['alice', 'error', { refused: 'signed in as bob' }],
        ['alice', 'ok', null],
      ]);
    } finally {
      await shutDown([{ gateway, http }], clients);
      await idp.close();
    }
  });
});

const redisUrl = sharedRedisUrl('confirmCaller across replicas');

describe('oauth.confirmCaller across replicas (oauth.store: redis)', () => {
  it.skipIf(!redisUrl)('the link, the confirmation and the callback may each land on another replica', async () => {
    // Replicas behind a load balancer share one callback URL, the balancer's, and the grants store.
    const balancer = 'http://balancer.invalid';
    const shared = { store: 'redis', redis: { url: redisUrl, keyPrefix: uniquePrefix('confirm') }, callbackUrl: `${balancer}/oauth/callback` };
    const a = await gatewayWith({ apiKeys }, 'apiKey', shared, { allowedOrigins: ['balancer.invalid'] });
    const b = await gatewayWith({ apiKeys }, 'apiKey', shared, { allowedOrigins: ['balancer.invalid'] });
    const clients: Client[] = [];
    try {
      const alice = await clientAs(a.http.url, 'legacy', { authorization: `Bearer ${KEYS.alice}` });
      clients.push(alice);
      const link = await linkOf(alice);
      expect(link.url.startsWith(`${balancer}/oauth/confirm?state=`)).toBe(true);
      // The balancer takes turns: the page from B, the form to A, the callback to B.
      let turn = 0;
      const replicas = [b.http.url, a.http.url];
      const alices = new Browser({ user: 'alice' }, { [balancer]: () => replicas[turn++ % 2]! });
      const authServer = oauthServer().url.replace(/\/mcp$/, '');
      const atServer = await alices.submit(await alices.open(link.url), { key: KEYS.alice }, authServer);
      expect(atServer.url.startsWith(authServer)).toBe(true);
      const done = await alices.open(atServer.url);
      expect(done.text).toContain('mcplex may now use remote for you');
      expect(turn).toBe(3);
      expect(await text(alice, 'remote__whoami')).toBe('alice');
    } finally {
      await shutDown([a, b], clients);
    }
  });
});
