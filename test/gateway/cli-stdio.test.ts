// `mcplex serve --stdio` spawned by an SDK client (StdioClientTransport): namespaced tools work over stdio, stdout
// carries only protocol, and closing the client ends the gateway (on stdin EOF) and every upstream child.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, killStarted, ROOT, waitGone } from '../helpers/process.js';
import { CLI, fixtureServer, runCli, writeConfig } from './fixtures/cli.js';
import { callText, childrenOf, toolNames, UPSTREAM } from './fixtures/helpers.js';

const seen = new Set<number>();
afterAll(() => {
  killStarted();
  killAll(seen);
});

const fixtureChildren = (ppid: number) => childrenOf(ppid).filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(UPSTREAM));

describe('mcplex serve --stdio', () => {
  it('serves an SDK client over stdio and exits with its children when the client closes', async () => {
    const config = writeConfig({ a: fixtureServer('a'), b: fixtureServer('b', { tools: { rename: { echo: 'say' } } }) });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...CLI, 'serve', '--stdio', '--config', config],
      cwd: ROOT,
      env: { ...(process.env as Record<string, string>), MCPLEX_LOG_LEVEL: 'info' },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => (stderr += d));
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    const gatewayPid = transport.pid!;
    seen.add(gatewayPid);
    try {
      expect(await toolNames(client)).toContain('b__say');
      expect(await callText(client, 'b__say', { text: 'over stdio' })).toBe('b: over stdio');
      const a = Number((await callText(client, 'a__whoami')).split(':')[1]);
      const b = Number((await callText(client, 'b__whoami')).split(':')[1]);
      seen.add(a).add(b);
      expect(fixtureChildren(gatewayPid)).toEqual([a, b].sort((x, y) => x - y));

      await client.close();
      await waitGone(gatewayPid, 8000);
      await waitGone([a, b]);
      // It left on its own, because stdin closed (not by the SDK's SIGTERM fallback), and logged only to stderr.
      expect(stderr).toContain('"signal":"stdin closed"');
    } finally {
      await client.close().catch(() => {});
    }
  });

  it('exits 0 and stops its children when stdin simply ends', async () => {
    const config = writeConfig({ a: fixtureServer('a') });
    const cli = runCli(['serve', '--stdio', '--config', config]);
    await cli.waitStderr(/"msg":"gateway started"/, 20_000);
    const children = fixtureChildren(cli.pid);
    for (const p of children) seen.add(p);
    expect(children).toHaveLength(1);
    cli.child.stdin!.end();
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toBe(''); // nothing but protocol on stdout, and no request was sent
    await waitGone(children);
  });

  it("routes what dependencies print with console to the log: stdout stays the protocol's, stderr JSON lines", async () => {
    const config = writeConfig({ a: fixtureServer('a') });
    // A dependency that prints (here on SIGUSR2): console.log would go to stdout, console.warn as plain text.
    const preload = join(mkdtempSync(join(tmpdir(), 'mcplex-console-')), 'chatty.mjs');
    writeFileSync(preload, "process.on('SIGUSR2', () => { console.log('stray %s from a dependency', 'output'); console.warn('[mcp-sdk] could not refresh: Bearer abcdefghijklmnop0123456789'); });\n");
    const cli = runCli(['serve', '--stdio', '--config', config], { NODE_OPTIONS: `--import ${preload}` });
    await cli.waitStderr(/"msg":"gateway started"/, 20_000);
    for (const p of fixtureChildren(cli.pid)) seen.add(p);
    const from = cli.stderr().length;
    process.kill(cli.pid, 'SIGUSR2');
    // The whole line (written asynchronously, it may arrive in pieces).
    await cli.waitStderr(/\[mcp-sdk\][^\n]*\n/, 10_000, from);
    const lines = cli
      .stderr()
      .slice(from)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; module?: string; msg: string });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 30, module: 'console', msg: 'stray output from a dependency' }),
        expect.objectContaining({ level: 40, module: 'console', msg: expect.stringMatching(/^\[mcp-sdk\] could not refresh: Bearer \S+$/) }),
      ]),
    );
    expect(cli.stderr()).not.toContain('abcdefghijklmnop0123456789');
    cli.child.stdin!.end();
    expect(await cli.exited()).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toBe('');
    rmSync(dirname(preload), { recursive: true, force: true });
  });
});

describe('mcplex serve --stdio --endpoint', () => {
  it('serves over stdio what the named endpoint shows; an unknown name exits 2 naming the choices', async () => {
    const config = writeConfig({ a: fixtureServer('a'), b: fixtureServer('b') });
    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), endpoints: { onlyb: { include: ['server:b'] } } }));
    const transport = new StdioClientTransport({ command: process.execPath, args: [...CLI, 'serve', '--stdio', '--endpoint', 'onlyb', '--config', config], cwd: ROOT, stderr: 'pipe' });
    const client = new Client({ name: 'stdio-endpoint', version: '1.0.0' });
    await client.connect(transport);
    const pid = transport.pid!;
    seen.add(pid);
    try {
      const names = await toolNames(client);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((n) => n.startsWith('b__'))).toBe(true);
      await expect(client.callTool({ name: 'a__echo', arguments: { text: 'x' } })).rejects.toThrow(/Unknown tool: a__echo/);
      expect(await callText(client, 'b__echo', { text: 'hi' })).toBe('b: hi');
    } finally {
      await client.close();
      await waitGone(pid, 8000);
    }
    const wrong = runCli(['serve', '--stdio', '--endpoint', 'nope', '--config', config]);
    expect(await wrong.exited()).toEqual({ code: 2, signal: null });
    expect(wrong.stderr()).toMatch(/--endpoint nope: no such endpoint in .*\(one of: onlyb\)/);
    const http = runCli(['serve', '--endpoint', 'onlyb', '--config', config]);
    expect(await http.exited()).toEqual({ code: 2, signal: null });
    expect(http.stderr()).toMatch(/--endpoint needs --stdio/);
  });
});
