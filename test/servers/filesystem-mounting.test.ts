// The filesystem server mounted as a gateway built-in (in-process, no child) and run standalone by the CLI over
// stdio, through the official SDK client in both eras; and the config errors a bad `builtin:` entry gets.
import type { Client } from '@modelcontextprotocol/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory, silentLogger } from '../../src/index.js';
import { ConfigInvalidError, loadConfig, parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectHttp, connectStdioScript } from '../helpers/clients.js';
import { killStarted, ROOT, spawnTs, waitForExit, waitForLine } from '../helpers/process.js';
import { type FsFixture, makeFsFixture } from './fs-fixture.js';

const CLI = join(ROOT, 'src', 'cli', 'main.ts');
const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');

let fx: FsFixture;
beforeAll(() => {
  fx = makeFsFixture();
});
afterAll(() => {
  killStarted();
  fx.cleanup();
});

describe.each(['legacy', 'modern'] as const)('gateway built-in filesystem (%s era)', (era) => {
  let gateway: Gateway;
  let client: Client;
  beforeAll(async () => {
    const config = parseConfig(`servers:\n  files:\n    builtin: filesystem\n    root: ${JSON.stringify(fx.root)}\n`, { format: 'yaml' });
    gateway = new Gateway(config, { logger: silentLogger });
    await gateway.start();
    client = await connectInMemory(gateway.host, { era });
  });
  afterAll(async () => {
    await client.close();
    await gateway.close();
  });

  it('runs in-process, read-only by default, behind the namespace', async () => {
    expect(gateway.health().upstreams).toEqual([expect.objectContaining({ name: 'files', transport: 'builtin', state: 'up' })]);
    expect(gateway.health().upstreams[0]).not.toHaveProperty('pid');
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('files__read_file');
    expect(names).not.toContain('files__write_file');
    expect(text(await client.callTool({ name: 'files__read_file', arguments: { path: 'hello.txt' } }))).toContain('hello world');
    const escaped = await client.callTool({ name: 'files__read_file', arguments: { path: 'link-out.txt' } });
    expect(escaped.isError).toBe(true);
    expect(text(escaped)).not.toContain('TOP SECRET');
  });
});

it('relays file change notifications from a built-in to a subscribed client', async () => {
  const config = parseConfig(`servers:\n  files:\n    builtin: filesystem\n    root: ${JSON.stringify(fx.root)}\n`, { format: 'yaml' });
  const gateway = new Gateway(config, { logger: silentLogger });
  await gateway.start();
  const client = await connectInMemory(gateway.host);
  const file = join(fx.root, 'relayed.txt');
  writeFileSync(file, 'v1');
  const uri = pathToFileURL(file).href;
  const updated = new Promise<string>((resolve) => client.setNotificationHandler('notifications/resources/updated', (n) => resolve(n.params.uri)));
  await client.subscribeResource({ uri });
  // The subscription reaches the built-in asynchronously: write until the change comes back.
  let n = 2;
  const writer = setInterval(() => writeFileSync(file, `v${n++}`), 100);
  try {
    expect(await updated).toBe(uri);
  } finally {
    clearInterval(writer);
    await client.close();
    await gateway.close();
  }
});

describe('builtin config', () => {
  const bad = (yaml: string) => {
    try {
      parseConfig(yaml, { format: 'yaml' });
    } catch (err) {
      if (err instanceof ConfigInvalidError) return err.issues;
      throw err;
    }
    throw new Error('expected the config to be refused');
  };

  it('names the path and the fix', () => {
    expect(bad('servers:\n  files:\n    builtin: filesystm\n    root: /tmp\n')).toEqual([expect.stringMatching(/^servers\.files\.builtin: expected one of filesystem, sql, openapi/)]);
    expect(bad('servers:\n  files:\n    builtin: filesystem\n')).toEqual([expect.stringMatching(/^servers\.files\.root: expected a directory path/)]);
    expect(bad('servers:\n  files:\n    builtin: filesystem\n    root: /tmp\n    command: x\n')).toEqual([expect.stringMatching(/^servers\.files\.command: /)]);
    expect(bad('servers:\n  files:\n    builtin: filesystem\n    root: /tmp\n    readOnly: maybe\n')).toEqual(['servers.files.readOnly: expected true or false']);
    expect(bad('servers:\n  db:\n    builtin: sql\n')).toEqual([expect.stringMatching(/^servers\.db\.database: expected a postgres:\/\/ URL or an SQLite file path/)]);
    expect(bad('servers:\n  api:\n    builtin: openapi\n    spec: x.yaml\n    auth: { type: basic, env: X }\n')).toEqual(['servers.api.auth.type: expected bearer or apiKey']);
    expect(bad('servers:\n  api:\n    builtin: openapi\n    spec: x.yaml\n    root: /tmp\n')).toEqual([expect.stringMatching(/^servers\.api\.root: /)]);
  });

  it('takes relative roots from the config file directory and allows writes only when told', async () => {
    const file = join(fx.base, 'gw.yaml');
    writeFileSync(file, 'servers:\n  files:\n    builtin: filesystem\n    root: ./root\n    readOnly: false\n');
    const config = await loadConfig(file);
    expect(config.servers.files).toMatchObject({ transport: 'builtin', builtin: 'filesystem', options: { roots: [fx.root], readOnly: false } });
  });
});

it('mcplex server filesystem --http serves both eras and stops on SIGTERM', async () => {
  const { child } = spawnTs(CLI, ['server', 'filesystem', '--root', fx.root, '--http', '--port', '0'], { stdin: 'ignore', env: { MCPLEX_LOG_LEVEL: 'warn' } });
  const listening = /listening on (\S+)/;
  const url = listening.exec(await waitForLine(child.stdout!, (l) => listening.test(l), 30_000))![1]!;
  for (const era of ['legacy', 'modern'] as const) {
    const client = await connectHttp(url, era);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } }))).toContain('hello world');
    await client.close();
  }
  const exited = waitForExit(child, 10_000);
  child.kill('SIGTERM');
  expect((await exited).code).toBe(0);
}, 60_000);

describe.each(['legacy', 'modern'] as const)('mcplex server filesystem over stdio (%s era)', (era) => {
  it('serves the tools of a standalone server', async () => {
    const { client } = await connectStdioScript(era, CLI, 'server', 'filesystem', '--root', fx.root);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('search_files');
    expect(names).not.toContain('write_file');
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: join(fx.root, 'docs', 'guide.md') } }))).toContain('# Guide');
    await client.close();
  }, 30_000);
});
