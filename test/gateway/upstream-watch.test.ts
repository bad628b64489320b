// `servers.<name>.watch` and `POST /admin/restart`, with real files, a real watcher and real upstream processes: a
// server restarted when a file it is made from changes (only the files its patterns name), its new tools listed and
// callers told; the watch changed by a reload; an administrator's restart through the API, the CLI and the config
// checks; an HTTP server's restart ends its old session (DELETE) and opens another.
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { stringify } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/index.js';
import { ConfigInvalidError, parseConfig } from '../../src/gateway/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { FileWatch } from '../../src/gateway/upstream-watch.js';
import type { HttpHandle } from '../../src/server/index.js';
import { createServer, silentLogger } from '../../src/index.js';
import { capturingLogger } from '../helpers/logger.js';
import { isAlive, killAll, waitGone, waitUntil } from '../helpers/process.js';
import { runCli } from './fixtures/cli.js';
import { callText, collect, FAST_RESTART, legacyClient, stderrLine, toolNames, upstreamOf } from './fixtures/helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcplex-watch-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Records what a watch reports, and waits for the nth report. */
function recorder() {
  const calls: string[] = [];
  return {
    calls,
    onChange: (file: string) => void calls.push(file),
    reached: (n: number) => waitUntil(() => calls.length >= n, 10_000, `${n} change(s) reported (got ${calls.join(', ') || 'none'})`),
  };
}

describe('FileWatch', () => {
  it('reports changes to the files its patterns name, and only those', async () => {
    const dir = tempDir();
    for (const d of ['src/a', 'src/skip', 'src/node_modules/x', 'docs']) mkdirSync(join(dir, d), { recursive: true });
    const seen = recorder();
    const log = capturingLogger();
    // No debounce: every change that passes the patterns would be reported on its own, in order.
    const watch = new FileWatch({ dir, patterns: ['src/**/*.mjs', 'config.json', 'docs', '!src/skip/**'] }, seen.onChange, log, 0);
    try {
      await watch.ready;
      // config.json is not there yet: said so (a typo would otherwise go unseen), and watched for all that.
      expect(log.entries.filter((e) => e.level === 'warn').map((e) => [e.msg, e.obj])).toEqual([['watched paths that do not exist (yet): a file made there later restarts the server', { watch: ['config.json'], dir }]]);
      writeFileSync(join(dir, 'README.md'), 'not watched');
      writeFileSync(join(dir, 'src/skip/left-out.mjs'), 'left out by !src/skip/**');
      writeFileSync(join(dir, 'src/node_modules/x/index.mjs'), 'never: node_modules');
      writeFileSync(join(dir, 'src/a/.tool.mjs.swp'), 'never: a dotfile');
      writeFileSync(join(dir, 'src/a/notes.txt'), 'not *.mjs');
      writeFileSync(join(dir, 'src/a/tool.mjs'), 'export const v = 1;');
      await seen.reached(1);
      expect(seen.calls).toEqual(['src/a/tool.mjs']);
      writeFileSync(join(dir, 'config.json'), '{}');
      await seen.reached(2);
      // A plain path names a file, or everything under a directory.
      writeFileSync(join(dir, 'docs/usage.md'), 'under docs');
      await seen.reached(3);
      unlinkSync(join(dir, 'src/a/tool.mjs'));
      await seen.reached(4);
      expect(seen.calls).toEqual(['src/a/tool.mjs', 'config.json', 'docs/usage.md', 'src/a/tool.mjs']);
    } finally {
      await watch.close();
    }
  });

  it('makes one report of changes close together, and none once closed', async () => {
    const dir = tempDir();
    const burst = recorder();
    const watch = new FileWatch({ dir, patterns: ['*.mjs'] }, burst.onChange, silentLogger);
    const closed = recorder();
    const gone = new FileWatch({ dir, patterns: ['*.mjs'] }, closed.onChange, silentLogger, 0);
    try {
      await Promise.all([watch.ready, gone.ready]);
      await gone.close();
      for (const name of ['a', 'b', 'c']) writeFileSync(join(dir, `${name}.mjs`), name);
      await burst.reached(1);
      writeFileSync(join(dir, 'd.mjs'), 'd');
      await burst.reached(2);
      // The burst made one report (one of its files), the later change its own.
      expect(burst.calls).toHaveLength(2);
      expect(['a.mjs', 'b.mjs', 'c.mjs']).toContain(burst.calls[0]);
      expect(burst.calls[1]).toBe('d.mjs');
      expect(closed.calls).toEqual([]);
    } finally {
      await watch.close();
    }
  });
});

/** A plain 2025-era JSON-RPC server on stdio whose tools are written in its own source (no SDK: it starts fast). */
const serverSource = (tools: string[]) => `
import { createInterface } from 'node:readline';
const TOOLS = ${JSON.stringify(tools)};
const send = (msg) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === 'initialize') send({ id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'dev', version: '1' } } });
  else if (m.method === 'tools/list') send({ id: m.id, result: { tools: TOOLS.map((name) => ({ name, description: name, inputSchema: { type: 'object' } })) } });
  else if (m.method === 'tools/call') {
    const answer = () => send({ id: m.id, result: { content: [{ type: 'text', text: m.params.name + ' from ' + process.pid }] } });
    process.stderr.write('started ' + m.params.name + '\\n');
    if (m.params.name === 'slow') setTimeout(answer, m.params.arguments.ms);
    else answer();
  }
  else if (m.method === 'ping') send({ id: m.id, result: {} });
  else send({ id: m.id, error: { code: -32601, message: 'Method not found' } });
});
`;

const pids = new Set<number>();
let running: { gateway: Gateway; http: HttpHandle; client: Client } | undefined;
afterEach(async () => {
  if (!running) return;
  await running.client.close().catch(() => {});
  await running.http.close();
  for (const u of running.gateway.health().upstreams) if (u.pid) pids.add(u.pid);
  await running.gateway.close();
  running = undefined;
});
afterAll(() => killAll(pids));

const configOf = (dir: string, dev: Record<string, unknown>) =>
  parseConfig(stringify({ servers: { dev: { command: process.execPath, args: ['server.mjs'], cwd: dir, ...dev } } }), { format: 'yaml' });

type Detail = { pid?: number; state: string; watch?: string[]; lastRestart?: { by: string; reason: string; at: string } };
const detail = (gateway: Gateway) => upstreamOf(gateway, 'dev') as unknown as Detail;

async function start(dir: string, dev: Record<string, unknown>) {
  const log = capturingLogger();
  const gateway = new Gateway(configOf(dir, dev), { logger: log, restart: FAST_RESTART });
  await gateway.start();
  const http = await gateway.serveHttp({ port: 0 });
  const client = await legacyClient(http.url);
  running = { gateway, http, client };
  pids.add(detail(gateway).pid!);
  return { ...running, log };
}

/** Waits for the server to be up on a process other than `before`'s. */
const upOnAnother = (gateway: Gateway, before: number) =>
  waitUntil(() => (detail(gateway).state === 'up' && detail(gateway).pid !== before ? detail(gateway).pid : undefined), 15_000, `dev up again on a pid other than ${before}`);

describe('servers.<name>.watch in the gateway', () => {
  it('restarts the server when its source changes: new tools listed, callers told; a reload changes the watch', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'server.mjs'), serverSource(['alpha']));
    const { gateway, client, log } = await start(dir, { watch: ['*.mjs', '!scratch.mjs'] });
    await waitUntil(() => log.entries.some((e) => e.msg === 'watching files: a change restarts the server'), 10_000, 'the watch ready');
    expect(await toolNames(client)).toEqual(['dev__alpha']);
    expect(detail(gateway).watch).toEqual(['*.mjs', '!scratch.mjs']);
    const first = detail(gateway).pid!;
    const told = collect(client, 'notifications/tools/list_changed');

    writeFileSync(join(dir, 'server.mjs'), serverSource(['alpha', 'beta']));
    await told.reached(1);
    const second = await upOnAnother(gateway, first);
    pids.add(second);
    expect(await waitGone(first)).toBe(true);
    expect(await toolNames(client)).toEqual(['dev__alpha', 'dev__beta']);
    expect(await callText(client, 'dev__beta')).toBe(`beta from ${second}`);
    expect(detail(gateway).lastRestart).toMatchObject({ by: 'watch', reason: 'watched file changed: server.mjs' });
    expect(log.entries.filter((e) => e.msg === 'restarting upstream').map((e) => (e.obj as { reason: string }).reason)).toEqual(['watched file changed: server.mjs']);

    // A reload that takes the watch away keeps the server running and stops watching.
    const report = await gateway.reload(configOf(dir, {}));
    expect(report.restarted).toEqual([]);
    expect(detail(gateway).watch).toBeUndefined();
    expect(detail(gateway).pid).toBe(second);
    expect(isAlive(second)).toBe(true);
  });

  it('is refused for a server given by URL, and for a pattern that is not text', () => {
    const bad = (servers: Record<string, unknown>) => {
      try {
        parseConfig(stringify({ servers }), { format: 'yaml' });
      } catch (err) {
        return err instanceof ConfigInvalidError ? err.message : String(err);
      }
      return 'accepted';
    };
    expect(bad({ remote: { url: 'http://127.0.0.1:9/mcp', watch: 'src/**' } })).toContain('servers.remote.watch: only for stdio servers (this one has url)');
    expect(bad({ dev: { command: 'node', watch: [] } })).toContain('servers.dev.watch: expected at least one path or glob pattern');
    expect(bad({ dev: { command: 'node', watch: [3] } })).toContain('servers.dev.watch');
    // One pattern may be given as a string.
    expect(configOf('/tmp', { watch: 'src/**/*.ts' }).servers.dev).toMatchObject({ watch: ['src/**/*.ts'] });
  });
});

describe('POST /admin/restart', () => {
  it('gives an HTTP server a new connection: a new session (a 2025-era one), the old one closed', async () => {
    const upstream = createServer({ name: 'remote', version: '1.0.0' });
    upstream.tool('ping_me', { description: 'answers' }, () => 'pong');
    const served = await upstream.serveHttp({ port: 0 });
    const gateway = new Gateway(parseConfig(stringify({ servers: { remote: { url: served.url, protocol: '2025-11-25' } } }), { format: 'yaml' }), { logger: silentLogger, restart: FAST_RESTART });
    try {
      await gateway.start();
      const http = await gateway.serveHttp({ port: 0 });
      const client = await legacyClient(http.url);
      running = { gateway, http, client };
      expect(await callText(client, 'remote__ping_me')).toBe('pong');
      const before = served.sessions.report().map((r) => r.id);
      expect(before).toHaveLength(1);
      const answer = (await (await fetch(new URL('/admin/restart', http.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"server":"remote"}' })).json()) as Record<string, unknown>;
      expect(answer).toMatchObject({ restarted: 'remote', up: true, transport: 'http' });
      const after = await waitUntil(() => (served.sessions.report().every((r) => !before.includes(r.id)) ? served.sessions.report().map((r) => r.id) : undefined), 10_000, 'the old session closed');
      expect(after).toHaveLength(1);
      expect(await callText(client, 'remote__ping_me')).toBe('pong');
    } finally {
      await served.close();
    }
  });

  it('lets a call in flight finish first (new calls told it is restarting), or cuts it off with drainMs 0', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'server.mjs'), serverSource(['alpha', 'slow']));
    const { gateway, http, client, log } = await start(dir, {});
    const origin = new URL(http.url).origin;
    const restart = (body: unknown) =>
      fetch(`${origin}/admin/restart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => (await r.json()) as Record<string, unknown>);
    const first = detail(gateway).pid!;

    const slow = callText(client, 'dev__slow', { ms: 1500 });
    await stderrLine(log.entries, 'dev', 'started slow');
    const restarted = restart({ server: 'dev' });
    await waitUntil(() => log.entries.find((e) => e.msg === 'restarting upstream' && (e.obj as { draining?: number }).draining === 1), 10_000, 'the restart draining one call');
    expect(detail(gateway).state).toBe('restarting');
    const refused = await client.callTool({ name: 'dev__alpha', arguments: {} }).then(
      () => undefined,
      (e: { code: number; message: string }) => e,
    );
    expect(refused).toMatchObject({ code: ErrorCode.UpstreamUnavailable, message: "Server 'dev' is restarting; try again shortly" });
    // The call in flight was answered by the process it was sent to, and only then was it restarted.
    expect(await slow).toBe(`slow from ${first}`);
    const second = (await restarted).pid as number;
    pids.add(second);
    expect(second).not.toBe(first);
    expect(await callText(client, 'dev__alpha')).toBe(`alpha from ${second}`);

    const cut = client.callTool({ name: 'dev__slow', arguments: { ms: 60_000 } }).then(
      () => undefined,
      (e: { code: number; message: string }) => e,
    );
    await stderrLine(log.entries, 'dev', 'started slow', 2);
    const third = (await restart({ server: 'dev', drainMs: 0 })).pid as number;
    pids.add(third);
    expect(third).not.toBe(second);
    expect(await cut).toMatchObject({ code: ErrorCode.UpstreamUnavailable });
  });

  it('restarts a server now (a new process), through the API and the CLI, and says what it did not know', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'server.mjs'), serverSource(['alpha']));
    const { gateway, http, client } = await start(dir, {});
    const origin = new URL(http.url).origin;
    const post = async (body: unknown) => {
      const res = await fetch(`${origin}/admin/restart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const first = detail(gateway).pid!;

    const answer = await post({ server: 'dev' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ restarted: 'dev', up: true, state: 'up' });
    const second = answer.body.pid as number;
    pids.add(second);
    expect(second).not.toBe(first);
    expect(await waitGone(first)).toBe(true);
    expect(detail(gateway).lastRestart).toMatchObject({ by: 'admin', reason: 'restarted by an administrator' });
    expect(await callText(client, 'dev__alpha')).toBe(`alpha from ${second}`);

    expect(await post({ server: 'nope' })).toEqual({ status: 404, body: { error: "no server named 'nope' is running (running: dev)" } });
    expect(await post({ name: 'dev' })).toEqual({ status: 400, body: { error: 'expected { "server": "<name>", "drainMs"?: <ms> } (unknown field(s) name)' } });
    expect(await post(['dev'])).toMatchObject({ status: 400 });
    expect(await post({ server: 'dev', drainMs: -1 })).toEqual({ status: 400, body: { error: 'drainMs: expected a whole number of milliseconds from 0 (cut calls in flight off at once) to 600000' } });

    const cli = runCli(['admin', 'restart', 'dev', '--url', origin]);
    expect((await cli.exited()).code).toBe(0);
    const third = detail(gateway).pid!;
    pids.add(third);
    expect(cli.stdout().trim()).toBe(`restarted dev (pid ${third})`);
    expect(third).not.toBe(second);

    const status = runCli(['admin', 'status', '--url', origin]);
    expect((await status.exited()).code).toBe(0);
    expect(status.stdout()).toMatch(/restarted \S+ \(restarted by an administrator\)/);
    const unknown = runCli(['admin', 'restart', 'nope', '--url', origin]);
    expect((await unknown.exited()).code).not.toBe(0);
    expect(unknown.stderr()).toContain("no server named 'nope' is running");
  });
});
