// docs/upstream-auth.md is real: every YAML block parses with the shipped loader, and its identity example runs —
// examples/identity-upstream.ts as a process behind a gateway built from the doc's block sees each caller.
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { clientAs, testPrincipal, text } from '../gateway/isolation/fixtures.js';
import { killStarted, spawnTs, waitForLine } from '../helpers/process.js';

afterAll(() => killStarted());

const doc = readFileSync(new URL('../../docs/upstream-auth.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
const KEY = 'doc-example-identity-key-0123456789abcdef';
const ENV = new Proxy({ MCPLEX_IDENTITY_KEY: KEY } as Record<string, string>, { get: (t, k) => (typeof k === 'string' ? (t[k] ?? `value-of-${k}`) : undefined) });

it('every YAML example in docs/upstream-auth.md is a valid gateway config', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(5);
  for (const block of blocks) expect(() => parseConfig(block, { format: 'yaml', env: ENV })).not.toThrow();
  const drive = parseConfig(blocks.find((b) => b.includes('drive:'))!, { format: 'yaml', env: ENV }).servers.drive!;
  expect(drive.isolation).toBe('per-principal');
});

it('the identity example runs: each caller reaches the upstream as itself', async () => {
  const { child } = spawnTs('examples/identity-upstream.ts', [], { env: { PORT: '0', MCPLEX_IDENTITY_KEY: KEY }, stdin: 'ignore' });
  const listening = /listening on (\S+)/;
  const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 30_000))![1]!;
  const yaml = blocks.find((b) => b.includes('identity:'))!.replace('http://127.0.0.1:7400/mcp', url);
  const gateway = new Gateway(parseConfig(yaml, { format: 'yaml', env: ENV }), { logger: silentLogger });
  gateway.use(testPrincipal);
  await gateway.start();
  const http = await gateway.serveHttp({ port: 0 });
  try {
    const alice = await clientAs(http.url, 'legacy', { 'x-test-principal': 'alice' });
    const bob = await clientAs(http.url, 'modern', { 'x-test-principal': 'bob' });
    expect(await text(alice, 'notes__add', { text: 'hello' })).toBe('alice has 1 note(s)');
    const mine = await bob.callTool({ name: 'notes__mine', arguments: {} });
    expect(mine.structuredContent).toEqual({ owner: 'bob', notes: [] });
    await Promise.all([alice.close(), bob.close()]);
  } finally {
    await http.close();
    await gateway.close();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}, 60_000);
