// The command line side of authentication: `mcplex keys new` prints a key once and the snippet with its hash;
// `mcplex serve` on that config lets in the SDK client that sends the key (both eras) and nobody else; and a
// non-loopback bind without authentication refuses to start, saying why and what to do.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hashApiKey } from '../../src/index.js';
import { post } from '../helpers/http.js';
import { killPid, killStarted } from '../helpers/process.js';
import { connectWith } from '../middleware/auth-fixture.js';
import { fixtureServer, runCli, serveCli, writeConfig } from './fixtures/cli.js';

afterAll(() => killStarted());

describe('mcplex keys new', () => {
  it('prints a fresh key once and a config snippet holding only its hash; the gateway then accepts that key', async () => {
    const cli = runCli(['keys', 'new', '--id', 'alice', '--tenant', 'acme', '--scopes', 'tools,mcplex:admin']);
    expect((await cli.exited()).code).toBe(0);
    const out = cli.stdout();
    const key = /^\s+(mcplex_[A-Za-z0-9_-]{43})$/m.exec(out)?.[1];
    expect(key).toBeDefined();
    const snippet = parse(out.slice(out.indexOf('auth:'))) as { auth: { apiKeys: Record<string, unknown> } };
    expect(snippet.auth.apiKeys).toEqual({ [hashApiKey(key!)]: { id: 'alice', tenant: 'acme', scopes: ['tools', 'mcplex:admin'] } });
    expect(out.indexOf(key!)).toBe(out.lastIndexOf(key!));

    const dir = mkdtempSync(join(tmpdir(), 'mcplex-keys-'));
    const file = join(dir, 'mcplex.json');
    writeFileSync(file, JSON.stringify({ ...snippet, servers: { demo: fixtureServer('demo') } }));
    const gateway = await serveCli(file);
    try {
      for (const era of ['legacy', 'modern'] as const) {
        const client = await connectWith(gateway.url, era, { authorization: `Bearer ${key}` });
        const res = await client.callTool({ name: 'demo__echo', arguments: { text: era } });
        expect((res.content as Array<{ text: string }>)[0]?.text).toBe(`demo: ${era}`);
        await client.close();
      }
      expect((await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(401);
      // The key never reaches the logs.
      expect(gateway.stderr()).not.toContain(key);
    } finally {
      killPid(gateway.pid, 'SIGTERM');
      await gateway.exited();
    }
  });
});

describe('mcplex serve on a non-loopback address', () => {
  it('refuses to start without authentication unless --insecure, and says why', async () => {
    const cli = runCli(['serve', '--config', writeConfig({ demo: fixtureServer('demo') }), '--host', '0.0.0.0', '--port', '0']);
    const { code } = await cli.exited();
    expect(code).toBe(2);
    expect(cli.stderr()).toMatch(/mcplex: refusing to listen on 0\.0\.0\.0, which is reachable from other machines: no authentication is configured .*pass --insecure/);
    expect(cli.stdout()).toBe('');
  });
});
