// The gateway as a client known by its URL (oauth.clientMetadataUrl, Client ID Metadata Documents): an authorization
// server that takes a URL as the client id (oidc-provider with the feature on, and no dynamic registration at all)
// fetches the gateway's document there, over https, through the TLS front an operator puts before the gateway, and
// the person's authorization, the calls and a refresh all go as that client.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/sha256.js';
import { loadConfig } from '../../src/gateway/config/load.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { Browser } from '../helpers/browser.js';
import { type GuardedServer, guardedServer } from '../helpers/guarded-server.js';
import { capturingLogger } from '../helpers/logger.js';
import { waitUntil } from '../helpers/process.js';
import { makePki, type TestPki } from '../middleware/auth-mtls-certs.js';
import { FAST_RESTART, shutDown } from './fixtures/helpers.js';
import { clientAs, text } from './isolation/fixtures.js';

const KEYS = { admin: 'mcplex_admin-key-0123456789', alice: 'mcplex_alice-key-0123456789' };
const DOCUMENT_PATH = '/oauth/client-metadata.json';
const dir = mkdtempSync(join(tmpdir(), 'mcplex-upstream-cimd-'));
let pki: TestPki;
let guarded: GuardedServer;
/** The operator's TLS front: https on 127.0.0.1, passing each request on to the gateway's listener. */
let front: Server;
let gatewayOrigin = '';
/** What the authorization server fetched through the front. */
const fetched: string[] = [];

/** The authorization server's fetch of a document: https, trusting the test CA. */
function fetchDocument(url: string): Promise<Response> {
  fetched.push(url);
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca: pki.ca.cert, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 502, headers: { 'content-type': String(res.headers['content-type']), 'cache-control': String(res.headers['cache-control'] ?? '') } })));
      res.on('error', reject);
    }).on('error', reject);
  });
}

beforeAll(async () => {
  pki = makePki([]);
  front = createHttpsServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    const target = new URL(req.url ?? '/', gatewayOrigin);
    const out = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  guarded = await guardedServer({ accessTokenTtl: 300, register: false, clientIdMetadata: { fetch: fetchDocument } });
});
afterAll(async () => {
  await guarded.close();
  await new Promise((resolve) => front.close(resolve));
  pki.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('oauth.clientMetadataUrl: the gateway known by its client metadata document', () => {
  it('is authorized, calls and refreshes as the client its document describes, registering nowhere', async () => {
    const documentUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}${DOCUMENT_PATH}`;
    const grants = join(dir, 'grants.json');
    const path = join(dir, 'gateway.json');
    const apiKeys = Object.fromEntries(Object.entries(KEYS).map(([id, key]) => [`sha256:${sha256(key)}`, { id, scopes: id === 'admin' ? ['mcplex:admin'] : ['tools'] }]));
    writeFileSync(
      path,
      JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, auth: { apiKeys }, oauth: { file: grants, clientMetadataUrl: documentUrl }, servers: { remote: { url: guarded.url, auth: { oauth: {} } } } }),
    );
    const gateway = new Gateway(await loadConfig(path), { logger: capturingLogger(), restart: FAST_RESTART });
    await gateway.start();
    const http = await gateway.serveHttp();
    const clients: Client[] = [];
    try {
      gatewayOrigin = new URL(http.url).origin;
      const callback = new URL('/oauth/callback', http.url).href;
      // The authorization server knows no client of the gateway's and registers none (no registration endpoint).
      guarded.register('https://elsewhere.example/cb');

      // The document, as the gateway serves it.
      const served = await fetch(new URL(DOCUMENT_PATH, http.url));
      expect(served.status).toBe(200);
      expect(served.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await served.json()).toEqual({
        client_id: documentUrl,
        client_name: 'mcplex gateway',
        redirect_uris: [callback],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      });

      const admin = { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/json' };
      const started = (await (await fetch(new URL('/admin/oauth/authorize', http.url), { method: 'POST', headers: admin, body: '{"server":"remote"}' })).json()) as { authorizationUrl: string };
      expect(new URL(started.authorizationUrl).searchParams.get('client_id')).toBe(documentUrl);
      const browser = new Browser();
      const back = await guarded.idp.signIn(browser, await browser.open(started.authorizationUrl), 'alice');
      expect(back.text).toContain('mcplex may now use remote.');
      expect(fetched).toContain(documentUrl);
      // Up, and its tools listed (a call made between the two is an unknown tool).
      await waitUntil(() => gateway.health().upstreams.find((u) => u.name === 'remote')?.state === 'up' && gateway.catalog.tool('remote__whoami') !== undefined, 10_000, 'the connection up, its tools listed');
      const alice = await clientAs(http.url, 'legacy', { authorization: `Bearer ${KEYS.alice}` });
      clients.push(alice);
      expect(await text(alice, 'remote__whoami')).toBe('alice');

      // The grant is the document's client's, kept as such; /admin/oauth names the document.
      const entries = (JSON.parse(readFileSync(grants, 'utf8')) as { entries: Record<string, { value: string }> }).entries;
      expect(Object.keys(JSON.parse(entries['oauth:remote:clients']!.value) as object)).toEqual([documentUrl]);
      const grant = JSON.parse(entries['oauth:remote:tokens:gateway']!.value) as { access_token: string; mcplex_client_id: string };
      expect(grant.mcplex_client_id).toBe(documentUrl);
      const facts = (await (await fetch(new URL('/admin/oauth', http.url), { headers: admin })).json()) as { clientMetadataUrl: string; servers: Array<{ authorized: boolean }> };
      expect(facts.clientMetadataUrl).toBe(documentUrl);
      expect(facts.servers[0]!.authorized).toBe(true);

      // The token revoked: refreshed as the same client.
      await guarded.idp.revoke(grant.access_token);
      const refreshes = guarded.idp.refreshes.granted;
      expect(await text(alice, 'remote__whoami')).toBe('alice');
      expect(guarded.idp.refreshes.granted).toBe(refreshes + 1);
      expect(guarded.idp.refreshes.refused).toBe(0);
    } finally {
      await shutDown([{ gateway, http }], clients);
    }
  });
});
