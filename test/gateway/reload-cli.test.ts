// Reloading a running CLI gateway (SIGHUP, --watch): servers added and removed, a filter changed, unaffected
// upstreams keep their PIDs, a connected client keeps its session and sees list_changed; a bad config is refused.
import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/gateway/config/load.js';
import { configVersion } from '../../src/gateway/config-report.js';
import { killAll, killStarted, waitGone } from '../helpers/process.js';
import { sharedRedisUrl, uniquePrefix } from '../helpers/own-redis.js';
import { TcpLink } from '../helpers/tcp-link.js';
import { type Cli, fixtureServer, readyz, runCli, serveCli, writeConfig } from './fixtures/cli.js';
import { callText, collect, legacyClient, toolNames } from './fixtures/helpers.js';

const redisUrl = sharedRedisUrl('POST /admin/reload across replicas');
const seen = new Set<number>();
afterAll(() => {
  killStarted();
  killAll(seen);
});

const tools = (ns: string, names = ['alpha', 'beta', 'echo', 'hang', 'slow', 'whoami']) => names.map((t) => `${ns}__${t}`);
/** Upstream name → PID from /readyz (every PID is remembered for cleanup). */
async function pidsOf(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const u of (await readyz(url)).upstreams) {
    if (u.pid === undefined) throw new Error(`upstream ${u.name} has no PID (${u.state}: ${u.error})`);
    seen.add(u.pid);
    out[u.name] = u.pid;
  }
  return out;
}

/** Signals (or lets --watch notice) and waits for the outcome line the CLI logs for this reload. */
async function reloaded(cli: Cli, trigger: () => void, outcome = /"msg":"configuration reloaded"/): Promise<string> {
  const from = cli.stderr().length;
  trigger();
  return cli.waitStderr(new RegExp(`.*${outcome.source}.*`), 20_000, from);
}

async function stopCli(cli: Cli): Promise<void> {
  const pids = Object.values(await pidsOf((cli as Cli & { url: string }).url));
  cli.child.kill('SIGTERM');
  expect((await cli.exited()).code).toBe(0);
  await waitGone(pids);
}

describe('SIGHUP reload', () => {
  it('applies added, removed and changed servers without disturbing the rest or the client session', async () => {
    const path = writeConfig({ a: fixtureServer('a'), b: fixtureServer('b'), c: fixtureServer('c') });
    const cli = await serveCli(path);
    const before = await pidsOf(cli.url);
    const client = await legacyClient(cli.url);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
    const changed = collect(client, 'notifications/tools/list_changed');
    expect(await toolNames(client)).toEqual([...tools('a'), ...tools('b'), ...tools('c')].sort());

    writeConfig({ b: fixtureServer('b'), c: fixtureServer('c', { tools: { exclude: ['beta', 'hang'] } }), d: fixtureServer('d') }, path);
    const line = JSON.parse(await reloaded(cli, () => cli.child.kill('SIGHUP'))) as Record<string, unknown>;
    expect(line).toMatchObject({ why: 'SIGHUP', added: ['d'], removed: ['a'], restarted: [] });

    const after = await pidsOf(cli.url);
    expect(Object.keys(after)).toEqual(['b', 'c', 'd']);
    expect(after.b).toBe(before.b);
    expect(after.c).toBe(before.c); // a filter change needs no restart
    expect(after.d).toBeGreaterThan(0);
    await waitGone([before.a!]);

    await changed.reached(1);
    expect(await toolNames(client)).toEqual([...tools('b'), ...tools('c', ['alpha', 'echo', 'slow', 'whoami']), ...tools('d')].sort());
    expect(await callText(client, 'b__whoami')).toBe(`b:${before.b}`);
    expect(await callText(client, 'd__echo', { text: 'new' })).toBe('d: new');
    expect((await client.callTool({ name: 'c__beta', arguments: {} }).catch((e: Error) => e)) as Error).toMatchObject({ message: expect.stringContaining('Unknown tool: c__beta') });
    expect((client.transport as StreamableHTTPClientTransport).sessionId).toBe(sessionId);

    // A bad config is refused with a clear log line; the previous one keeps serving, untouched.
    writeFileSync(path, JSON.stringify({ servers: { b: { comand: 'x' } } }));
    const rejected = JSON.parse(await reloaded(cli, () => cli.child.kill('SIGHUP'), /"msg":"configuration reload rejected[^"]*"/)) as Record<string, unknown>;
    expect(rejected.level).toBe(50);
    expect(rejected.problem).toBe(
      `invalid config ${path}:\n  - servers.b.comand: unknown key (did you mean 'command'?)\n  - servers.b.command: required for stdio servers (or give url)`,
    );
    expect(await pidsOf(cli.url)).toEqual(after);
    expect(await callText(client, 'd__echo', { text: 'still' })).toBe('d: still');

    // A changed command restarts just that server.
    writeConfig({ b: fixtureServer('b'), c: fixtureServer('c', { tools: { exclude: ['beta', 'hang'] } }), d: fixtureServer('d', { env: { MCPLEX_LOG_LEVEL: 'error' } }) }, path);
    expect(JSON.parse(await reloaded(cli, () => cli.child.kill('SIGHUP')))).toMatchObject({ added: [], removed: [], restarted: ['d'] });
    const third = await pidsOf(cli.url);
    expect([third.b, third.c]).toEqual([after.b, after.c]);
    expect(third.d).not.toBe(after.d);
    await waitGone([after.d!]);
    expect(await callText(client, 'd__whoami')).toBe(`d:${third.d}`);

    await client.close();
    await stopCli(cli);
  });
});

describe('--watch', () => {
  it('reloads when the file is rewritten, and again after an editor-style replace (write + rename)', async () => {
    const path = writeConfig({ a: fixtureServer('a') });
    const cli = await serveCli(path, ['--watch']);
    const client = await legacyClient(cli.url);
    const changed = collect(client, 'notifications/tools/list_changed');

    let line = await reloaded(cli, () => writeConfig({ a: fixtureServer('a', { tools: { include: ['echo'] } }) }, path));
    expect(line).toContain('"why":"file changed"');
    await changed.reached(1);
    expect(await toolNames(client)).toEqual(['a__echo']);

    line = await reloaded(cli, () => renameSync(writeConfig({ a: fixtureServer('a', { tools: { include: ['echo', 'whoami'] } }) }), path));
    expect(line).toContain('"why":"file changed"');
    await changed.reached(2);
    expect(await toolNames(client)).toEqual(['a__echo', 'a__whoami']);

    line = await reloaded(cli, () => renameSync(writeConfig({ a: fixtureServer('a', { tools: { include: ['alpha'] } }) }), path));
    await changed.reached(3);
    expect(await toolNames(client)).toEqual(['a__alpha']);

    await client.close();
    await stopCli(cli);
  });

  /** Serves `a` and `b` with --watch (and `flags`); `change` makes a file change: `a` restarts, `b` keeps its process. */
  async function onlyARestarts(a: Record<string, unknown>, flags: string[], change: () => void): Promise<void> {
    const cli = await serveCli(writeConfig({ a: fixtureServer('a', a), b: fixtureServer('b') }), ['--watch', ...flags]);
    const before = await pidsOf(cli.url);
    const line = await reloaded(cli, change);
    expect(JSON.parse(line)).toMatchObject({ why: 'file changed', restarted: ['a'], added: [], removed: [] });
    const after = await pidsOf(cli.url);
    expect(after.b).toBe(before.b);
    expect(after.a).not.toBe(before.a);
    await stopCli(cli);
  }

  it('reloads when a server’s env file changes, in whatever folder it is: that server restarts', async () => {
    const envFile = join(mkdtempSync(join(tmpdir(), 'mcplex-env-')), 'a.env');
    writeFileSync(envFile, 'SECRET=one\n');
    await onlyARestarts({ envFile }, [], () => writeFileSync(envFile, 'SECRET=two\n'));
  });

  it('reloads when a --secrets file changes: the server whose variable it fills restarts', async () => {
    const secrets = join(mkdtempSync(join(tmpdir(), 'mcplex-secrets-')), 'mcplex.env');
    writeFileSync(secrets, 'A_TOKEN=one\n');
    await onlyARestarts({ env: { MCPLEX_LOG_LEVEL: 'warn', A_TOKEN: `\${A_TOKEN}` } }, ['--secrets', secrets], () => writeFileSync(secrets, 'A_TOKEN=two\n'));
  });

  it('reloads when a Kubernetes Secret volume is updated (its ..data link swapped): that server restarts', async () => {
    // As the kubelet lays a Secret out: each key a link through ..data to a timestamped folder.
    const volume = mkdtempSync(join(tmpdir(), 'mcplex-secret-'));
    const version = (name: string, value: string) => {
      mkdirSync(join(volume, name));
      writeFileSync(join(volume, name, 'a.env'), `SECRET=${value}\n`);
      symlinkSync(name, join(volume, '..data_tmp'));
      renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    };
    version('..2026_12_07_01', 'one');
    symlinkSync('..data/a.env', join(volume, 'a.env'));
    await onlyARestarts({ envFile: join(volume, 'a.env') }, [], () => version('..2026_12_07_02', 'two'));
  });

  it('reloads when a --secrets directory is updated (a Kubernetes Secret volume: one file per variable): that server restarts', async () => {
    const volume = mkdtempSync(join(tmpdir(), 'mcplex-secrets-dir-'));
    const version = (name: string, value: string) => {
      mkdirSync(join(volume, name));
      writeFileSync(join(volume, name, 'a-token'), `${value}\n`);
      symlinkSync(name, join(volume, '..data_tmp'));
      renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
    };
    version('..2026_12_07_01', 'one');
    symlinkSync('..data/a-token', join(volume, 'a-token'));
    await onlyARestarts({ env: { MCPLEX_LOG_LEVEL: 'warn', A_TOKEN: `\${a_token}` } }, ['--secrets', volume], () => version('..2026_12_07_02', 'two'));
  });
});

describe('POST /admin/reload', () => {
  it('reloads the file as SIGHUP does, and answers what it did or why it was rejected', async () => {
    const path = writeConfig({ a: fixtureServer('a') });
    const cli = await serveCli(path);
    const reload = (body: unknown) =>
      fetch(new URL('/admin/reload', cli.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const before = await pidsOf(cli.url);

    writeConfig({ a: fixtureServer('a'), b: fixtureServer('b') }, path);
    // The version it runs now is the one the file makes (as `mcplex check` names it), with serve's --port 0.
    const loaded = await loadConfig(path);
    const running = configVersion({ ...loaded, listen: { ...loaded.listen, port: 0 } });
    expect(await reload({})).toEqual({ status: 200, body: { reloaded: { added: ['b'], removed: [], restarted: [], retimed: [] }, config: running } });
    expect(Object.keys(await pidsOf(cli.url))).toEqual(['a', 'b']);
    // Logged as it was done (the line may reach this process after the answer).
    await cli.waitStderr(/"why":"POST \/admin\/reload"/);

    // A file that does not load: refused with the problem, naming the key; the running config stays.
    writeFileSync(path, JSON.stringify({ servers: { b: { comand: 'x' } } }));
    const rejected = await reload({});
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toContain("servers.b.comand: unknown key (did you mean 'command'?)");
    expect((await pidsOf(cli.url)).a).toBe(before.a);
    expect(await reload({ file: 'other.yaml' })).toEqual({ status: 400, body: { error: `expected {} (the gateway reads ${path} again)` } });
    await stopCli(cli);
  });
});

describe.skipIf(!redisUrl)('POST /admin/reload with cluster:', () => {
  it('puts back the file\'s mode on every replica, and nothing stands for a replica started after it', async () => {
    const path = writeConfig({});
    const cluster = { redis: { url: redisUrl, keyPrefix: uniquePrefix('reload-standing') } };
    writeFileSync(path, JSON.stringify({ servers: { a: fixtureServer('a') }, cluster }));
    const post = (url: string, route: string, body: unknown) =>
      fetch(new URL(route, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const modeOf = async (url: string) => (await post(url, '/admin/mode', {})).body.mode;
    const first = await serveCli(path);
    expect((await post(first.url, '/admin/mode', { mode: 'read-only' })).status).toBe(200);
    // Started after the switch: read-only from the start.
    const second = await serveCli(path);
    expect(await modeOf(second.url)).toBe('read-only');
    const made = second.stderr().length;
    expect((await post(first.url, '/admin/reload', {})).status).toBe(200);
    await second.waitStderr(/"path":"\/admin\/reload".*made here too/, 20_000, made);
    expect([await modeOf(first.url), await modeOf(second.url)]).toEqual(['normal', 'normal']);
    const third = await serveCli(path);
    expect(await modeOf(third.url)).toBe('normal');
    for (const cli of [first, second, third]) await stopCli(cli);
  });

  it('a replica cut off from Redis when a reload is asked reads its file again once it hears the others', async () => {
    const { link, via } = await TcpLink.toUrl(redisUrl!, 6379);
    try {
      // One file; each replica reaches Redis at the address in its environment (the second through the link).
      const path = writeConfig({});
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own interpolation syntax
      const config = (servers: Record<string, unknown>) => writeFileSync(path, JSON.stringify({ servers, cluster: { redis: { url: '${REDIS_AT}', keyPrefix: uniquePrefix('reload-missed') } } }));
      config({ a: fixtureServer('a') });
      const [asked, apart] = [await serveCli(path, [], { REDIS_AT: redisUrl! }), await serveCli(path, [], { REDIS_AT: via })];
      await apart.waitStderr(/"msg":"gateway started"/);
      // Cut: its connections to Redis are dropped, so it does not hear the reload.
      link.cut();
      config({ a: fixtureServer('a'), b: fixtureServer('b') });
      const answer = await fetch(new URL('/admin/reload', asked.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(((await answer.json()) as { reloaded: { added: string[] } }).reloaded.added).toEqual(['b']);
      expect(Object.keys(await pidsOf(apart.url))).toEqual(['a']);
      const from = apart.stderr().length;
      link.restore();
      await apart.waitStderr(/"path":"\/admin\/reload".*while this one was cut off was made here too/, 30_000, from);
      expect(Object.keys(await pidsOf(apart.url))).toEqual(['a', 'b']);
      expect(apart.stderr().slice(from)).toMatch(/"msg":"configuration reloaded"/);
      for (const cli of [asked, apart]) await stopCli(cli);
    } finally {
      await link.close();
    }
  }, 90_000);
});

describe('SIGHUP reload of log levels', () => {
  it('applies logging.modules at once: the per-request lines appear without a restart', async () => {
    const path = writeConfig({ a: fixtureServer('a') });
    const withModules = (requests: string) => writeFileSync(path, JSON.stringify({ logging: { modules: { requests } }, servers: { a: fixtureServer('a') } }));
    withModules('info');
    const cli = await serveCli(path);
    const client = await legacyClient(cli.url);
    const before = await pidsOf(cli.url);
    // The request line is written at debug: the module's level (info) keeps it out.
    expect(await callText(client, 'a__echo', { text: 'quiet' })).toBe('a: quiet');
    await cli.waitStderr(/"msg":"gateway started"/);
    expect(cli.stderr()).not.toMatch(/"msg":"request"/);

    withModules('debug');
    const sighup = cli.stderr().length;
    await reloaded(cli, () => cli.child.kill('SIGHUP'));
    const lines = cli.stderr().slice(sighup);
    expect(JSON.parse(/.*"msg":"log levels changed".*/.exec(lines)![0])).toMatchObject({ why: 'SIGHUP', modules: { requests: 'debug' } });
    expect(lines).not.toMatch(/restart the gateway to apply it/);
    const from = cli.stderr().length;
    expect(await callText(client, 'a__echo', { text: 'loud' })).toBe('a: loud');
    // The whole line (the log is written asynchronously; a line may arrive in two pieces).
    const request = JSON.parse(await cli.waitStderr(/.*"msg":"request".*\n/, 10_000, from)) as Record<string, unknown>;
    expect(request).toMatchObject({ module: 'requests', method: 'tools/call', target: 'a__echo', outcome: 'ok' });
    expect(await pidsOf(cli.url)).toEqual(before);

    // What the gateway serves from its start (the OAuth callback, its client metadata document) waits for a restart:
    // said in the log, and by POST /admin/reload (`mcplex admin reload`), on every reload until the file is as it was.
    writeFileSync(path, JSON.stringify({ logging: { modules: { requests: 'debug' } }, oauth: { clientMetadataUrl: 'https://mcp.example.com/oauth/client.json' }, servers: { a: fixtureServer('a'), remote: { url: 'http://127.0.0.1:9/mcp', auth: { oauth: {} } } } }));
    const moved = cli.stderr().length;
    await reloaded(cli, () => cli.child.kill('SIGHUP'));
    expect(cli.stderr().slice(moved)).toMatch(/"msg":"oauth.callbackUrl or clientMetadataUrl changed; restart the gateway to apply it"/);
    const origin = new URL(cli.url).origin;
    const admin = runCli(['admin', 'reload', '--url', origin], { MCPLEX_LOG_LEVEL: 'warn' });
    expect(await admin.exited(30_000)).toMatchObject({ code: 0 });
    expect(admin.stdout()).toMatch(/\nnot applied until the gateway restarts: oauth.callbackUrl or clientMetadataUrl changed\n$/);
    withModules('debug');
    const back = cli.stderr().length;
    const answer = (await (await fetch(new URL('/admin/reload', origin), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ reloaded: { removed: ['remote'] } });
    expect(answer).not.toHaveProperty('needsRestart');
    expect(cli.stderr().slice(back)).not.toMatch(/restart the gateway to apply it/);
    await client.close();
    await stopCli(cli);
  });
});
