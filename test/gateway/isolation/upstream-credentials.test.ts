// Credentials toward upstreams: the caller's token never reaches an upstream; only allow-listed headers pass;
// OAuth client credentials (cached, refreshed before expiry) and RFC 8693 token exchange (per principal, cached).
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { parseConfig } from '../../../src/gateway/config/index.js';
import { Gateway } from '../../../src/gateway/gateway.js';
import type { HttpHandle } from '../../../src/server/index.js';
import { waitUntil } from '../../helpers/process.js';
import { buildUpstream } from '../fixtures/upstream.js';
import { FAST_RESTART } from '../fixtures/helpers.js';
import { callFails, clientAs, recordingProxy, testPrincipal, text, tokenEndpoint } from './fixtures.js';

const SECRETS = ['callertoken', 'key-secret', 'cookie-secret'];
let upstream: HttpHandle;
beforeAll(async () => {
  upstream = await buildUpstream('up').serveHttp({ port: 0 });
});
afterAll(() => upstream.close());

async function startGateway(yaml: string, env: Record<string, string> = {}) {
  const gateway = new Gateway(parseConfig(yaml, { format: 'yaml', env }), { logger: silentLogger, restart: FAST_RESTART });
  gateway.use(testPrincipal);
  await gateway.start();
  const http = await gateway.serveHttp({ port: 0 });
  const clients: Client[] = [];
  return {
    gateway,
    as: async (era: 'legacy' | 'modern', headers: Record<string, string>) => {
      const c = await clientAs(http.url, era, headers);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await http.close();
      await gateway.close();
    },
  };
}

const authOf = (seen: Array<Record<string, unknown>>) => seen.map((h) => h.authorization);

describe('the caller’s credentials never reach an upstream', () => {
  it.each(['legacy', 'modern'] as const)('%s era: Authorization, X-API-Key and Cookie stay at the gateway; only allow-listed headers pass', async (era) => {
    const proxy = await recordingProxy(upstream.url);
    const g = await startGateway(`
servers:
  up: { url: "${proxy.url}", forwardHeaders: [X-Request-Id] }
  iso: { url: "${proxy.url}", forwardHeaders: [X-Request-Id], isolation: per-principal }
`);
    try {
      const caller = await g.as(era, {
        Authorization: 'Bearer alice-callertoken',
        'X-API-Key': 'key-secret',
        Cookie: 'sid=cookie-secret',
        'X-Request-Id': 'req-42',
        'X-Other': 'not-allowed',
      });
      expect(await text(caller, 'up__echo', { text: 'shared' })).toBe('up: shared');
      expect(await text(caller, 'iso__echo', { text: 'isolated' })).toBe('up: isolated');
      const calls = proxy.seen.filter((h) => h['x-request-id'] !== undefined);
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.every((h) => h['x-request-id'] === 'req-42')).toBe(true);
      for (const headers of proxy.seen) {
        expect(headers['x-api-key']).toBeUndefined();
        expect(headers.cookie).toBeUndefined();
        expect(headers['x-other']).toBeUndefined();
        expect(headers.authorization).toBeUndefined();
        for (const secret of SECRETS) expect(JSON.stringify(headers)).not.toContain(secret);
      }
    } finally {
      await g.close();
      await proxy.close();
    }
  });

  it('refuses a config that allow-lists a credential header, naming the path and the fix', () => {
    const yaml = 'servers:\n  up: { url: "http://127.0.0.1:1/mcp", forwardHeaders: [X-Trace, Authorization, cookie] }\n';
    expect(() => parseConfig(yaml, { format: 'yaml', env: {}, source: 'gw.yaml' })).toThrow(
      /servers\.up\.forwardHeaders\[1\]: 'Authorization' is never forwarded[\s\S]*servers\.up\.forwardHeaders\[2\]: 'cookie' is never forwarded/,
    );
  });
});

describe('OAuth client credentials toward the upstream', () => {
  it('sends the gateway’s own token, fetched once and refreshed before it expires', async () => {
    const tokens = await tokenEndpoint({ expiresIn: 2 });
    const proxy = await recordingProxy(upstream.url);
    const g = await startGateway(
      `
servers:
  up:
    url: "${proxy.url}"
    auth:
      clientCredentials: { tokenUrl: "${tokens.url}", clientId: client, clientSecret: "\${UP_SECRET}", scopes: "mcp:tools mcp:read", audience: up-api, resource: "${proxy.url}" }
`,
      { UP_SECRET: 'secret' },
    );
    try {
      const caller = await g.as('legacy', { Authorization: 'Bearer alice-callertoken' });
      expect(await text(caller, 'up__echo', { text: 'one' })).toBe('up: one');
      expect(await text(caller, 'up__echo', { text: 'two' })).toBe('up: two');
      expect(tokens.requests).toHaveLength(1);
      const [first] = tokens.requests;
      expect(first!.grantType).toBe('client_credentials');
      expect(first!.form.get('scope')).toBe('mcp:tools mcp:read');
      expect(first!.form.get('audience')).toBe('up-api');
      expect(first!.form.get('resource')).toBe(proxy.url);
      expect(new Set(authOf(proxy.seen))).toEqual(new Set(['Bearer cc-1']));
      // Lifetime 2 s: a new token is fetched before the old one lapses, and used.
      await waitUntil(async () => (await text(caller, 'up__echo', { text: 'again' })) && tokens.requests.length >= 2, 15_000, 'a refreshed token');
      await waitUntil(async () => (await text(caller, 'up__echo', { text: 'again' })) && authOf(proxy.seen).includes('Bearer cc-2'), 5000, 'the refreshed token in use');
      expect(authOf(proxy.seen).every((a) => typeof a === 'string' && /^Bearer cc-\d+$/.test(a))).toBe(true);
    } finally {
      await g.close();
      await proxy.close();
      await tokens.close();
    }
  });

  it('drops a token the upstream refuses (401) and retries with a fresh one', async () => {
    const tokens = await tokenEndpoint();
    const proxy = await recordingProxy(upstream.url);
    const g = await startGateway(`servers:\n  up:\n    url: "${proxy.url}"\n    auth: { clientCredentials: { tokenUrl: "${tokens.url}", clientId: client, clientSecret: secret } }\n`);
    try {
      const caller = await g.as('legacy', { 'x-test-principal': 'alice' });
      expect(await text(caller, 'up__echo', { text: 'one' })).toBe('up: one');
      proxy.revoked.add('Bearer cc-1');
      expect(await text(caller, 'up__echo', { text: 'two' })).toBe('up: two');
      expect(tokens.requests).toHaveLength(2);
      expect(authOf(proxy.seen).at(-1)).toBe('Bearer cc-2');
    } finally {
      await g.close();
      await proxy.close();
      await tokens.close();
    }
  });
});

describe('RFC 8693 token exchange with the caller’s verified token', () => {
  it('gives each principal its own exchanged token on its own connection, cached per principal', async () => {
    const tokens = await tokenEndpoint();
    const proxy = await recordingProxy(upstream.url);
    const g = await startGateway(
      `
servers:
  up:
    url: "${proxy.url}"
    auth:
      tokenExchange: { tokenUrl: "${tokens.url}", clientId: "\${UP_ID}", clientSecret: "\${UP_SECRET}", audience: up-api }
`,
      { UP_ID: 'client', UP_SECRET: 'secret' },
    );
    try {
      const alice = await g.as('legacy', { Authorization: 'Bearer alice-tok1' });
      const bob = await g.as('modern', { Authorization: 'Bearer bob-tok2' });
      const before = proxy.seen.length;
      for (let i = 0; i < 3; i++) {
        expect(await text(alice, 'up__echo', { text: `a${i}` })).toBe(`up: a${i}`);
        expect(await text(bob, 'up__echo', { text: `b${i}` })).toBe(`up: b${i}`);
      }
      const exchanges = tokens.requests.filter((r) => r.grantType === 'urn:ietf:params:oauth:grant-type:token-exchange');
      expect(exchanges.map((r) => r.form.get('subject_token')).sort()).toEqual(['alice-tok1', 'bob-tok2']);
      expect(exchanges.every((r) => r.form.get('audience') === 'up-api' && r.form.get('subject_token_type') === 'urn:ietf:params:oauth:token-type:access_token')).toBe(true);
      const used = new Set(authOf(proxy.seen.slice(before)));
      expect([...used].sort()).toEqual([expect.stringMatching(/^Bearer x-alice-tok1-\d$/), expect.stringMatching(/^Bearer x-bob-tok2-\d$/)]);
      // The raw caller tokens were sent only to the token endpoint, never to the upstream.
      expect(JSON.stringify(proxy.seen)).not.toMatch(/Bearer (alice-tok1|bob-tok2)/);
      const iso = g.gateway.health().upstreams[0] as { instances?: unknown[] };
      expect(iso.instances).toHaveLength(2);
    } finally {
      await g.close();
      await proxy.close();
      await tokens.close();
    }
  });

  it('refuses a caller without a token, and reports a refused exchange clearly; the gateway keeps serving', async () => {
    const tokens = await tokenEndpoint();
    const g = await startGateway(`
servers:
  up:
    url: "${upstream.url}"
    auth:
      tokenExchange: { tokenUrl: "${tokens.url}", clientId: client, clientSecret: secret }
`);
    try {
      const anonymous = await g.as('legacy', { 'x-test-principal': 'carol' });
      const noToken = await callFails(anonymous, 'up__echo', { text: 'x' });
      expect(noToken.code).toBe(-32010);
      expect(noToken.message).toMatch(/authenticate with a bearer token/);
      const revoked = await g.as('modern', { Authorization: 'Bearer dave-revoked' });
      const refused = await callFails(revoked, 'up__echo', { text: 'x' });
      expect(refused.code).toBe(-32014);
      expect(refused.message).toMatch(/token exchange .* failed: invalid_grant \(subject token revoked\)/);
      expect(refused.message).not.toContain('dave-revoked');
      const alice = await g.as('legacy', { Authorization: 'Bearer alice-ok' });
      expect(await text(alice, 'up__echo', { text: 'fine' })).toBe('up: fine');
    } finally {
      await g.close();
      await tokens.close();
    }
  });
});
