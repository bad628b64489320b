// An upstream whose tokens are bound to the gateway's key (servers.<name>.auth.oauth.dpop, RFC 9449): a real
// authorization server (oidc-provider, DPoP on) binds the tokens it issues to the key the gateway's token requests
// prove, and the MCP server serves a bound token only with a fresh proof made with that key for each request. The
// gateway keeps the key with the grant, so a refresh and a restart keep using it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/sha256.js';
import { loadConfig } from '../../src/gateway/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { HttpHandle } from '../../src/server/index.js';
import { Browser } from '../helpers/browser.js';
import { CLIENT_ID, CLIENT_SECRET, type GuardedServer, guardedServer } from '../helpers/guarded-server.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitUntil } from '../helpers/process.js';
import { FAST_RESTART, shutDown } from './fixtures/helpers.js';
import { clientAs, text } from './isolation/fixtures.js';

const KEYS = { admin: 'mcplex_admin-key-0123456789', alice: 'mcplex_alice-key-0123456789' };
const dir = mkdtempSync(join(tmpdir(), 'mcplex-upstream-dpop-'));
let guarded: GuardedServer;
beforeAll(async () => {
  guarded = await guardedServer({ accessTokenTtl: 300, dpop: true, register: false });
});
afterAll(async () => {
  await guarded.close();
  rmSync(dir, { recursive: true, force: true });
});

async function gatewayOn(grants: string) {
  const path = join(dir, 'gateway.json');
  const apiKeys = Object.fromEntries(Object.entries(KEYS).map(([id, key]) => [`sha256:${sha256(key)}`, { id, scopes: id === 'admin' ? ['mcplex:admin'] : ['tools'] }]));
  const oauth = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, issuer: guarded.idp.issuer, dpop: true };
  writeFileSync(path, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, auth: { apiKeys }, oauth: { file: grants }, servers: { remote: { url: guarded.url, auth: { oauth } } } }));
  const gateway = new Gateway(await loadConfig(path), { logger: capturingLogger(), restart: FAST_RESTART });
  await gateway.start();
  return { gateway, http: await gateway.serveHttp() };
}
/** The connection up and its tools listed (a call made between the two is an unknown tool). */
const upUntil = (gateway: Gateway) =>
  waitUntil(() => gateway.health().upstreams.find((u) => u.name === 'remote')?.state === 'up' && gateway.catalog.tool('remote__whoami') !== undefined, 10_000, 'the connection up, its tools listed');
const stored = (grants: string) => (JSON.parse(readFileSync(grants, 'utf8')) as { entries: Record<string, { value: string }> }).entries;

describe('auth.oauth.dpop: tokens bound to the gateway’s key', () => {
  it('proves every request with the key the tokens are bound to, across a refresh and a restart', async () => {
    const grants = join(dir, 'grants.json');
    const clients: Client[] = [];
    let { gateway, http } = await gatewayOn(grants);
    let running: Array<{ gateway: Gateway; http: HttpHandle }> = [{ gateway, http }];
    try {
      guarded.register(new URL('/oauth/callback', http.url).href);
      const started = (await (await fetch(new URL('/admin/oauth/authorize', http.url), { method: 'POST', headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' }, body: '{"server":"remote"}' })).json()) as { authorizationUrl: string };
      const browser = new Browser();
      const back = await guarded.idp.signIn(browser, await browser.open(started.authorizationUrl), 'alice');
      expect(back.text).toContain('mcplex may now use remote.');
      await upUntil(gateway);
      const alice = await clientAs(http.url, 'legacy', { authorization: `Bearer ${KEYS.alice}` });
      clients.push(alice);
      expect(await text(alice, 'remote__whoami')).toBe('alice');

      // The grant is DPoP-bound, to the key kept beside it; the server checked a proof for each request.
      const entries = stored(grants);
      const grant = JSON.parse(entries['oauth:remote:tokens:gateway']!.value) as { access_token: string; token_type: string };
      expect(grant.token_type.toLowerCase()).toBe('dpop');
      const key = JSON.parse(entries['oauth:remote:dpop-key']!.value) as { publicJwk: JWK };
      expect(await guarded.idp.bindingOf(grant.access_token)).toBe(await calculateJwkThumbprint(key.publicJwk));
      expect(guarded.proofs.accepted).toBeGreaterThan(0);
      expect(guarded.proofs.refused).toBe(0);
      // The check can fail: the same token as a plain bearer token is refused.
      expect((await fetch(guarded.url, { method: 'POST', headers: { authorization: `Bearer ${grant.access_token}` } })).status).toBe(401);
      expect(guarded.proofs.refused).toBe(1);

      // The token revoked: the server's 401 makes the gateway refresh, with a proof, and the new token is bound too.
      await guarded.idp.revoke(grant.access_token);
      const refreshed = guarded.idp.refreshes.granted;
      expect(await text(alice, 'remote__whoami')).toBe('alice');
      expect(guarded.idp.refreshes.granted).toBe(refreshed + 1);
      const renewed = JSON.parse(stored(grants)['oauth:remote:tokens:gateway']!.value) as { access_token: string };
      expect(await guarded.idp.bindingOf(renewed.access_token)).toBe(await calculateJwkThumbprint(key.publicJwk));

      // A restart reads the key with the grant: its proofs are accepted at once, nothing refreshed or refused.
      await shutDown(running, clients.splice(0));
      const before = { refreshes: guarded.idp.refreshes.granted, refused: guarded.proofs.refused };
      ({ gateway, http } = await gatewayOn(grants));
      running = [{ gateway, http }];
      await upUntil(gateway);
      const again = await clientAs(http.url, 'legacy', { authorization: `Bearer ${KEYS.alice}` });
      clients.push(again);
      expect(await text(again, 'remote__whoami')).toBe('alice');
      expect({ refreshes: guarded.idp.refreshes.granted, refused: guarded.proofs.refused }).toEqual(before);
    } finally {
      await shutDown(running, clients);
    }
  });
});
