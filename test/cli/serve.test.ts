// `mcplex serve` on the embedded default config (what `npm start` runs): a real gateway process fronting the
// bundled demo servers, usable from the official SDK client and the MCP Inspector CLI, clean on SIGTERM.
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStarted, spawnTs, tsxArgs, waitForLine } from '../helpers/process.js';

const run = promisify(execFile);
const MAIN = 'src/cli/main.ts';
const INSPECTOR = 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js';

async function startCli(): Promise<{ child: ChildProcess; url: string }> {
  const { child } = spawnTs(MAIN, ['serve', '--port', '0'], { stdin: 'ignore' });
  const listening = /gateway listening on (http:\/\/\S+)/;
  const line = await waitForLine(child.stdout!, (l) => listening.test(l), 20_000);
  return { child, url: listening.exec(line)![1]! };
}

function inspector(url: string, ...args: string[]) {
  const home = mkdtempSync(join(tmpdir(), 'inspector-'));
  return run(process.execPath, [INSPECTOR, '--cli', '--format', 'json', '-q', url, ...args], { env: { ...process.env, HOME: home }, timeout: 45_000 });
}

describe('mcplex serve', () => {
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => ({ child, url } = await startCli()));
  afterAll(() => killStarted());

  it('prints a loopback URL and answers /healthz', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const res = await fetch(new URL('/healthz', url));
    expect(res.status).toBe(200);
  });

  it('serves the official SDK client', async () => {
    const client = new Client({ name: 't', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'demo__echo',
      'demo__add',
      'demo__sleep',
      'demo__greet',
      'notes__add_note',
      'notes__list',
      'files__read_file',
      'files__list_directory',
      'files__directory_tree',
      'files__get_file_info',
      'files__list_allowed_roots',
      'files__search_files',
      'shop__list_tables',
      'shop__describe_table',
      'shop__query',
      'shop__explain',
    ]);
    const sum = await client.callTool({ name: 'demo__add', arguments: { a: 2, b: 3 } });
    expect(sum.structuredContent).toEqual({ sum: 5 });
    // The bundled samples: files read-only, the shop database seeded in memory.
    const readme = await client.callTool({ name: 'files__read_file', arguments: { path: 'README.md' } });
    expect((readme.content as Array<{ text: string }>)[0]?.text).toContain('# Sample files');
    const customers = await client.callTool({ name: 'shop__query', arguments: { sql: 'SELECT count(*) FROM customers' } });
    expect(customers.structuredContent).toMatchObject({ rows: [[5]] });
    await client.close();
  });

  it('is usable from the MCP Inspector CLI', async () => {
    const list = JSON.parse((await inspector(url, '--method', 'tools/list')).stdout);
    expect(list.result.tools.map((t: { name: string }) => t.name)).toContain('demo__echo');
    const call = JSON.parse((await inspector(url, '--method', 'tools/call', '--tool-name', 'demo__echo', '--tool-arg', 'text=hello')).stdout);
    expect(call.result.content).toEqual([{ type: 'text', text: 'hello' }]);
  }, 120_000);

  it('exits 0 on SIGTERM and leaves no upstream process behind', async () => {
    const health = await (await fetch(new URL('/readyz', url))).json();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The two demo servers are child processes; the files and shop built-ins run in-process (no pid).
    const pids: number[] = health.upstreams.filter((u: { transport: string }) => u.transport === 'stdio').map((u: { pid: number }) => u.pid);
    expect(pids).toHaveLength(2);
    expect(health.upstreams.filter((u: { transport: string; pid?: number }) => u.transport === 'builtin' && u.pid === undefined)).toHaveLength(2);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});

describe('mcplex serve arguments', () => {
  it('rejects a bad port with a clear message', async () => {
    const err = await run(process.execPath, tsxArgs(MAIN, 'serve', '--port', 'abc'), { timeout: 20_000 }).catch((e) => e);
    expect(err.code).not.toBe(0);
    expect(err.stderr).toContain('expected a port number');
  });
});
