// Which configuration a gateway runs: its version (the same for the same file and environment, another after a
// change), GET /admin/config (the version, since when, the last reloads applied or rejected and why, the config with
// its secrets taken out; for administrators only), and each replica's version in GET /admin/replicas, so replicas
// running different configs show.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { silentLogger } from '../../src/core/logger.js';
import { configVersion, redactedConfig } from '../../src/gateway/config-report.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { newApiKey, parseConfig, VERSION } from '../../src/index.js';
import type { HttpHandle } from '../../src/server/index.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { waitUntil } from '../helpers/process.js';
import { fixtureServer } from './fixtures/cli.js';
import { FAST_RESTART } from './fixtures/helpers.js';

const redisUrl = sharedRedisUrl('config versions across replicas');
const parse = (tree: Record<string, unknown>) => parseConfig(stringify(tree), { format: 'yaml' });

describe('the config version and what an administrator is shown', () => {
  it('is the same for the same config and another after a change', () => {
    const tree = { servers: { a: { command: 'a', env: { X: '1' } } } };
    expect(configVersion(parse(tree))).toMatch(/^[0-9a-f]{12}$/);
    expect(configVersion(parse(tree))).toBe(configVersion(parse(tree)));
    expect(configVersion(parse({ servers: { a: { command: 'a', env: { X: '2' } } } }))).not.toBe(configVersion(parse(tree)));
  });

  it('takes out secrets: credential fields, keys, every env and header value, credential arguments, URL user-info and query strings', () => {
    const { hash } = newApiKey();
    const shown = JSON.stringify(
      redactedConfig(
        parse({
          servers: {
            gh: { command: 'npx', args: ['server-github'], env: { GITHUB_TOKEN: 'ghp_secret000000000000000001', REGION: 'eu-secret-2' } },
            pg: { command: 'npx', args: ['server-postgres', '--token', 'secret-13', '--api-key', 'secret-14', '--key', 'secret-15', '--password=secret-16', '--db', 'postgres://u:secret-17@db/x', '--verbose', 'on'] },
            remote: { url: 'https://someone:pw-secret-3@mcp.example.com/mcp?key=secret-4', headers: { 'X-Api-Key': 'secret-5' } },
          },
          audit: { sink: 'postgres', url: 'postgres://mcplex:secret-6@db.internal/mcplex' },
          oauth: { store: 'redis', redis: 'redis://:secret-7@cache.internal:6379', encryptionKey: 'secret-8'.repeat(5) },
          auth: {
            apiKeys: { [hash]: { id: 'alice' } },
            resource: 'https://mcp.example.com/mcp',
            jwt: { issuer: 'https://login.example.com', audience: 'https://mcp.example.com/mcp', jwksUrl: 'https://login.example.com/jwks', dpopNonce: { key: 'secret-9'.repeat(5) } },
            oauthProxy: { clientId: 'gw', clientSecret: 'secret-10', scopes: 'openid', key: 'secret-11'.repeat(5), previousKeys: ['secret-12'.repeat(5)] },
          },
        }),
      ),
    );
    expect(shown).not.toMatch(/secret|pw-|someone|alice/);
    expect(shown).toContain('"GITHUB_TOKEN":"[redacted]"');
    expect(shown).toContain('"url":"https://mcp.example.com/mcp?[redacted]"');
    expect(shown).toContain('"url":"postgres://db.internal/mcplex"');
    expect(shown).toContain('"clientId":"gw"');
    expect(shown).toContain('"args":["server-github"]');
    // A credential after its flag is taken out whole; other arguments are scrubbed as text.
    expect(shown).toContain('"args":["server-postgres","--token","[redacted]","--api-key","[redacted]","--key","[redacted]","--password=[redacted]","--db","postgres://db/x","--verbose","on"]');
  });
});

describe('GET /admin/config', () => {
  it('answers administrators with the version, since when, the last reloads (applied, and rejected with why) and the config', async () => {
    const admin = newApiKey();
    const user = newApiKey();
    const tree = (text: string) => ({
      servers: { up: fixtureServer('up', { env: { MCPLEX_LOG_LEVEL: 'warn', GREETING: text } }) },
      auth: { apiKeys: { [admin.hash]: { id: 'admin', scopes: ['mcplex:admin'] }, [user.hash]: { id: 'user' } } },
    });
    const first = parse(tree('hello'));
    const gateway = new Gateway(first, { logger: silentLogger, restart: FAST_RESTART });
    await gateway.start();
    const http = await gateway.serveHttp({ port: 0 });
    const ask = async (key: string) => fetch(new URL('/admin/config', http.url), { headers: { authorization: `Bearer ${key}` } });
    try {
      expect((await ask(user.key)).status).toBe(403);
      const before = (await (await ask(admin.key)).json()) as { version: string; since: string; reloads: unknown[]; config: { servers: { up: { env: Record<string, string> } } } };
      expect(before).toMatchObject({ version: configVersion(first), reloads: [] });
      expect(before.config.servers.up.env.GREETING).toBe('[redacted]');

      const second = parse(tree('hi'));
      await gateway.reload(second);
      await expect(gateway.reload({ ...second, separator: '--' })).rejects.toThrow(/separator changed/);
      const after = (await (await ask(admin.key)).json()) as { version: string; since: string; reloads: Array<Record<string, unknown>> };
      expect(after.version).toBe(configVersion(second));
      expect(after.version).not.toBe(before.version);
      expect(Date.parse(after.since)).toBeGreaterThanOrEqual(Date.parse(before.since));
      expect(after.reloads).toEqual([
        { at: expect.any(String), applied: false, problem: expect.stringContaining("separator changed ('__' to '--')") },
        { at: after.since, applied: true, version: after.version },
      ]);
      const replicas = (await (await fetch(new URL('/admin/replicas', http.url), { headers: { authorization: `Bearer ${admin.key}` } })).json()) as { replicas: Array<{ config: string }> };
      expect(replicas.replicas[0]!.config).toBe(after.version);
      // And in the metrics, for alerting on replicas that differ (deploy/prometheus: McplexConfigDrift).
      const metrics = await (await fetch(new URL('/metrics', http.url), { headers: { authorization: `Bearer ${admin.key}` } })).text();
      expect(metrics).toContain(`mcp_gateway_info{version="${VERSION}",config="${after.version}"} 1`);
    } finally {
      await http.close();
      await gateway.close();
    }
  }, 30_000);

  it.skipIf(!redisUrl)('with cluster: each replica lists the version the others run, so one left on an old config shows', async () => {
    const cluster = { redis: { url: redisUrl!, keyPrefix: uniquePrefix('config-versions') } };
    const config = (text: string) => parse({ servers: { up: fixtureServer('up', { env: { MCPLEX_LOG_LEVEL: 'warn', GREETING: text } }) }, cluster });
    const replicas = [new Gateway(config('hello'), { logger: silentLogger, restart: FAST_RESTART }), new Gateway(config('hello'), { logger: silentLogger, restart: FAST_RESTART })];
    const handles: HttpHandle[] = [];
    try {
      for (const g of replicas) {
        await g.start();
        handles.push(await g.serveHttp({ port: 0 }));
      }
      const versions = () =>
        waitUntil(async () => {
          const listed = ((await (await fetch(new URL('/admin/replicas', handles[0]!.url))).json()) as { replicas: Array<{ config?: string }> }).replicas;
          return listed.length === 2 ? listed.map((r) => r.config).sort() : undefined;
        }, 15_000, 'both replicas listed');
      expect(new Set(await versions()).size).toBe(1);
      await replicas[1]!.reload(config('hi'));
      // The other replica's next announcement (every 5 s) carries its new version.
      const differ = await waitUntil(async () => {
        const v = await versions();
        return new Set(v).size === 2 ? v : undefined;
      }, 15_000, 'the reloaded replica announcing its new version');
      expect(differ).toEqual([configVersion(config('hello')), configVersion(config('hi'))].sort());
    } finally {
      for (const h of handles) await h.close();
      for (const g of replicas) await g.close();
    }
  }, 40_000);
});
