// `mcplex check` as a CI step would run it, from source as a child process: a config is checked as `serve` checks
// it (exit 2 naming the key), and with --connect each server is started once and reported (a fixture server up with
// what it exposes, one whose command does not exist down with why, a disabled one skipped), exit 1 when one did not
// come up, and no server process left behind; and what the file depends on (Redis, the audit store, identity
// providers) asked, each failure named with its reason.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { checkDependencies } from '../../src/cli/check-dependencies.js';
import { SqliteAuditSink } from '../../src/stores/sqlite/audit-sink.js';
import { loadConfig } from '../../src/gateway/config/load.js';
import { configVersion } from '../../src/gateway/config-report.js';
import { parseConfig } from '../../src/index.js';
import { freePort } from '../helpers/http.js';
import { type Idp, startIdp } from '../helpers/oidc-idp.js';
import { sharedRedisUrl } from '../helpers/own-redis.js';
import { killStarted, ROOT, waitGone } from '../helpers/process.js';
import { DATABASE_URL, uniqueSchema } from '../stores/pg-env.js';
import { fixtureServer, runCli, serveCli } from '../gateway/fixtures/cli.js';

const REDIS_URL = sharedRedisUrl('mcplex check --connect (Redis)');
const SECRET = 'a-machine-secret-0123456789';

afterAll(killStarted);

const dir = mkdtempSync(join(tmpdir(), 'mcplex-check-'));
function config(name: string, body: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(body, null, 2));
  return path;
}

async function check(args: string[]) {
  const cli = runCli(['check', ...args], { MCPLEX_LOG_LEVEL: 'warn' });
  const { code } = await cli.exited(60_000);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('mcplex check', () => {
  const mixed = config('mixed', {
    servers: {
      good: fixtureServer('good'),
      missing: { command: join(dir, 'no-such-server') },
      off: { ...fixtureServer('off'), enabled: false },
    },
  });

  it('checks the file without starting anything, naming its version (as GET /admin/config does)', async () => {
    const { code, stdout } = await check(['--config', mixed]);
    expect(code).toBe(0);
    const version = configVersion(await loadConfig(mixed));
    expect(stdout).toBe(`config ok: ${mixed} (version ${version}; 3 servers, 2 enabled; auth: off, audit: off, cache: off, pinning: off, tool search: off, endpoints: off, secret scan: off, metrics: prometheus /metrics, tracing: off)\n`);
  });

  it('warns of credentials written in the file by place, never value; --strict exits 1 for them; serve logs the same, at start and at each reload', async () => {
    const token = 'ghp_1234567890abcdefghijABCDEFGHIJ123456';
    const leaky = config('leaky', { servers: { good: { ...fixtureServer('good'), env: { GITHUB_TOKEN: token, LEVEL: 'warn' } } } });
    const { code, stdout } = await check(['--config', leaky]);
    expect(code).toBe(0);
    expect(stdout.split('\n').slice(1)).toEqual([
      'warning: a credential is written in the file (anyone who reads it has it):',
      '  servers.good.env.GITHUB_TOKEN (GITHUB_TOKEN)',
      `  name each as \${VAR} and set it in the gateway's environment or a --secrets file, or move a stdio server's env to its envFile`,
      '',
    ]);
    expect((await check(['--config', leaky, '--strict'])).code).toBe(1);
    expect((await check(['--config', mixed, '--strict'])).code).toBe(0);
    const json = await check(['--config', leaky, '--json']);
    expect(JSON.parse(json.stdout).writtenSecrets).toEqual([{ path: 'servers.good.env.GITHUB_TOKEN', kind: 'GITHUB_TOKEN' }]);
    const served = await serveCli(leaky, [], { MCPLEX_LOG_LEVEL: 'warn' });
    try {
      const line = JSON.parse(await served.waitStderr(/.*credentials are written in the config file.*/, 20_000)) as { written: string[] };
      expect(line.written).toEqual(['servers.good.env.GITHUB_TOKEN (GITHUB_TOKEN)']);
      // A reload says it again, with what the file holds now.
      const from = served.stderr().length;
      config('leaky', { servers: { good: { ...fixtureServer('good'), env: { GITHUB_TOKEN: token, LEVEL: 'warn' } }, later: { command: 'later-server', args: ['--api-key', 'k-123'], enabled: false } } });
      served.child.kill('SIGHUP');
      const again = JSON.parse(await served.waitStderr(/.*credentials are written in the config file.*/, 20_000, from)) as { written: string[] };
      expect(again.written).toEqual(['servers.good.env.GITHUB_TOKEN (GITHUB_TOKEN)', "servers.later.args.1 (a credential flag's value)"]);
    } finally {
      served.child.kill('SIGTERM');
      await served.exited(20_000);
    }
    expect(stdout + json.stdout + served.stderr()).not.toContain(token);
  });

  it('names the telemetry this environment turns on (OTLP traces and metrics and their protocols, as serve would)', async () => {
    const otel = { MCPLEX_LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_METRICS_EXPORTER: 'otlp' };
    const cli = runCli(['check', '--config', mixed, '--json'], { ...otel, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc' });
    expect((await cli.exited(60_000)).code).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({ metrics: 'prometheus /metrics + otlp grpc', tracing: 'otlp http/protobuf' });
    // A protocol no exporter speaks is a config error naming the variable, as `serve` refuses to start on it.
    const bad = runCli(['check', '--config', mixed], { ...otel, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuff' });
    expect((await bad.exited(60_000)).code).toBe(2);
    expect(bad.stderr()).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuff is not an OTLP protocol: set it to http/protobuf');
  });

  it('--show prints the config as the gateway reads it, with its version and without its secrets', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is the config's syntax for an environment variable
    const file = config('show', { servers: { gh: { command: 'npx', args: ['server-github'], env: { GITHUB_TOKEN: '${CHECK_TEST_TOKEN}' } } } });
    const cli = runCli(['check', '--config', file, '--show'], { MCPLEX_LOG_LEVEL: 'warn', CHECK_TEST_TOKEN: 'ghp_not-to-be-printed-0000' });
    expect((await cli.exited(60_000)).code).toBe(0);
    const [header, ...rest] = cli.stdout().split('\n');
    expect(header).toMatch(new RegExp(`^# ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as the gateway reads it \\(secrets taken out\\); version [0-9a-f]{12}$`));
    expect(cli.stdout()).not.toContain('ghp_not-to-be-printed');
    expect(parse(rest.join('\n'))).toMatchObject({ listen: { host: '127.0.0.1', port: 7333 }, servers: { gh: { command: 'npx', args: ['server-github'], env: { GITHUB_TOKEN: '[redacted]' }, timeoutMs: 60_000 } } });
    const both = runCli(['check', '--config', file, '--show', '--connect'], { MCPLEX_LOG_LEVEL: 'warn', CHECK_TEST_TOKEN: 'x' });
    expect([(await both.exited(60_000)).code, both.stderr().trim()]).toEqual([2, 'mcplex: --show prints the config; run --connect separately']);
  });

  it('--connect: reports each server, exits 1 for the one that did not come up, and leaves no process', async () => {
    const { code, stdout } = await check(['--config', mixed, '--connect', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; servers: Array<{ name: string; enabled: boolean; state?: string; tools?: number; error?: string; pid?: number }> };
    expect(report.ok).toBe(false);
    const [good, missing, off] = report.servers;
    expect(good).toMatchObject({ name: 'good', enabled: true, state: 'up' });
    expect(good!.tools).toBeGreaterThan(0);
    expect(missing).toMatchObject({ name: 'missing', enabled: true });
    expect(missing!.state).not.toBe('up');
    expect(missing!.error).toMatch(/ENOENT|not found|no-such-server/);
    expect(off).toEqual({ name: 'off', enabled: false });
    expect(await waitGone(good!.pid!, 10_000)).toBe(true);
  });

  it('--connect in words: one line per server and the verdict', async () => {
    const { code, stdout } = await check(['--config', config('good', { servers: { good: fixtureServer('good') } }), '--connect']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^ {2}good {2}up {4}\S+ +\d+ tools?, \d+ prompts?, \d+ resources?$/);
    expect(lines.at(-1)).toBe('all 1 enabled servers came up');
  });

  it('--connect names the tool names longer than 64 characters, which the model APIs refuse, and how to shorten them', async () => {
    const long = 'echo_the_text_back_to_the_caller_exactly_as_it_was_given';
    const file = config('long', { servers: { a_long_namespace: fixtureServer('good', { tools: { rename: { echo: long } } }) } });
    const { code, stdout } = await check(['--config', file, '--connect']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')[2]).toBe(
      `${' '.repeat(20)}1 tool name longer than 64 characters, which the Anthropic and OpenAI APIs refuse: a_long_namespace__${long} (shorten with servers.a_long_namespace.tools.rename or a shorter namespace)`,
    );
    const report = JSON.parse((await check(['--config', file, '--connect', '--json'])).stdout) as { servers: Array<{ longNames?: string[] }> };
    expect(report.servers[0]?.longNames).toEqual([`a_long_namespace__${long}`]);
  });

  it('--connect names what a server listed that is not valid MCP, left out of the lists', async () => {
    const malformed = join(ROOT, 'test', 'gateway', 'fixtures', 'malformed-upstream.mjs');
    const file = config('left-out', { servers: { bad: { command: process.execPath, args: [malformed], env: { BAD_LISTS: '1' } } } });
    const { code, stdout } = await check(['--config', file, '--connect']);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')[2]).toBe(
      '        left out of the lists, not valid MCP: tools stringly (inputSchema.type: expected "object"); tools #9 (name: expected string, received undefined); prompts odd (arguments: expected array, received string); resources nowhere (uri: expected string, received undefined)',
    );
  });

  it("--connect counts what each endpoint's view shows, and says when one shows nothing", async () => {
    const endpoints = { all: { include: 'server:good' }, typo: { include: 'server:goood' } };
    const file = config('endpoints', { servers: { good: fixtureServer('good') }, endpoints });
    const { code, stdout } = await check(['--config', file, '--connect']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}endpoint all \(\/all\/mcp\): [1-9]\d* tools?, \d+ prompts?, \d+ resources?$/m);
    expect(stdout).toContain('  endpoint typo (/typo/mcp): 0 tools, 0 prompts, 0 resources  (shows nothing: check its include/exclude)');
    const report = JSON.parse((await check(['--config', file, '--connect', '--json'])).stdout) as { endpoints: Array<{ name: string; tools: number }> };
    expect(report.endpoints.map((e) => [e.name, e.tools > 0])).toEqual([
      ['all', true],
      ['typo', false],
    ]);
  });

  it('says how long audit records are kept (audit.retention)', async () => {
    const kept = await check(['--config', config('retention', { servers: {}, audit: { path: join(dir, 'kept.db'), retention: '90d' } })]);
    expect([kept.code, kept.stdout]).toEqual([0, expect.stringContaining('audit: sqlite, kept 90d,')]);
  });

  it('a config error exits 2 naming the key and the fix, as serve does', async () => {
    const { code, stderr } = await check(['--config', config('bad', { servers: { a: { command: 'x', timeoutMs: 'soon' } } })]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^mcplex: invalid config .*\n {2}- servers\.a\.timeoutMs: expected a positive integer \(milliseconds\)/m);
  });

  it('reads the pins file as serve would (exit 1 naming it), and --connect never writes it', async () => {
    const pins = join(dir, 'pins.json');
    const pinned = config('pinned', { pinning: { file: pins }, servers: { good: fixtureServer('good') } });
    const connected = await check(['--config', pinned, '--connect']);
    expect(connected.code).toBe(0);
    expect(connected.stdout).toContain('pinning: hold, 0 tools pinned');
    expect(existsSync(pins)).toBe(false);
    writeFileSync(pins, '{ "version": 1, "servers": {');
    const broken = await check(['--config', pinned]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`mcplex: pinning.file: ${pins} is not a pins file`);
  });
});

describe('mcplex check --connect: what the file depends on besides its servers', () => {
  let idp: Idp;
  let resource: string;
  const schema = uniqueSchema('check');
  beforeAll(async () => {
    idp = await startIdp();
    resource = `http://127.0.0.1:${await freePort()}/mcp`;
    idp.register('machine', SECRET, 'http://127.0.0.1:9/cb', { resource, accessTokenTtl: 300, clientCredentials: true, introspection: true });
  });
  afterAll(async () => {
    await idp?.close();
    if (!DATABASE_URL) return;
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it.skipIf(!REDIS_URL || !DATABASE_URL)('asks Redis, the PostgreSQL audit log, the JWT key set and the introspection endpoint (as the gateway’s client); all answer: exit 0, no password printed', async () => {
    const withPassword = new URL(DATABASE_URL!);
    withPassword.password = 'not-needed-here';
    const file = config('dependencies', {
      servers: { good: fixtureServer('good') },
      cluster: { redis: REDIS_URL },
      cache: { store: 'redis', redis: REDIS_URL },
      audit: { sink: 'postgres', url: withPassword.href, schema, spillPath: join(dir, 'spill.jsonl') },
      auth: {
        jwt: { issuer: idp.issuer, audience: resource, jwksUrl: `${idp.issuer}/jwks` },
        introspection: { issuer: idp.issuer, clientId: 'machine', clientSecret: SECRET, audience: resource },
      },
    });
    const { code, stdout } = await check(['--config', file, '--connect', '--json']);
    const report = JSON.parse(stdout) as { ok: boolean; dependencies: Array<{ kind: string; target: string; usedBy?: string[]; ok: boolean; detail?: string }> };
    expect(report.dependencies).toEqual([
      { kind: 'redis', target: new URL(REDIS_URL!).href, usedBy: ['cluster', 'cache'], ok: true, detail: expect.stringMatching(/^PONG in [\d.]+ ms$/) },
      { kind: 'audit', target: `postgres ${withPassword.href.replace('not-needed-here', '***')}`, ok: true, detail: expect.stringMatching(/^connected as \S+ \(PostgreSQL \d+/) },
      { kind: 'audit', target: `spill file ${join(dir, 'spill.jsonl')}`, ok: true, detail: expect.stringContaining('can be written') },
      { kind: 'jwt keys', target: `${idp.issuer}/jwks`, ok: true, detail: expect.stringMatching(/^\d+ keys?$/) },
      { kind: 'introspection', target: idp.issuer, ok: true, detail: 'the introspection endpoint answers client machine' },
    ]);
    expect(stdout).not.toContain('not-needed-here');
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
    const words = await check(['--config', file, '--connect']);
    expect(words.stdout).toContain('  jwt keys       ' + `${idp.issuer}/jwks  ok: `);
    expect(words.stdout.trim().split('\n').at(-1)).toBe('all 5 dependencies answered');
  });

  it('exits 1 naming each dependency that did not answer and why: a Redis nobody listens on, an introspection client the server does not take', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const file = config('dependencies-down', {
      servers: { good: fixtureServer('good') },
      cache: { store: 'redis', redis: closed },
      auth: { introspection: { issuer: idp.issuer, clientId: 'machine', clientSecret: 'not-the-secret', audience: resource } },
    });
    const { code, stdout } = await check(['--config', file, '--connect']);
    expect(code).toBe(1);
    expect(stdout).toContain(`  redis          ${new URL(closed).href} (cache)  FAILED: connect ECONNREFUSED`);
    expect(stdout).toMatch(/^ {2}introspection {2}\S+ {2}FAILED: it answered invalid_client.*did not take this server's client id and secret or key$/m);
    expect(stdout).toContain('all 1 enabled servers came up');
    expect(stdout.trim().split('\n').at(-1)).toBe('2 of 2 dependencies did not answer');
  });

  it("the OAuth proxy's provider and caller confirmation's: found, and their private keys read", async () => {
    const keyFile = join(dir, 'proxy.key');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const proxied = (privateKeyFile: string) =>
      parseConfig(
        stringify({
          servers: {},
          auth: { resource, oauthProxy: { clientId: 'gw', privateKeyFile, scopes: 'openid email', key: 'an-oauth-proxy-key-0123456789abcdef', provider: { issuer: idp.issuer, allowAnyone: true } } },
        }),
        { format: 'yaml' },
      );
    expect(await checkDependencies(proxied(keyFile))).toEqual([{ kind: 'oauth proxy', target: idp.issuer, ok: true, detail: `discovered: token endpoint ${idp.issuer}/token, private key read` }]);
    const [missing] = await checkDependencies(proxied(join(dir, 'no-such.key')));
    expect(missing).toMatchObject({ kind: 'oauth proxy', ok: false, error: expect.stringContaining('ENOENT') });
    const confirming = parseConfig(
      stringify({
        servers: { remote: { url: 'https://mcp.example.com/mcp', auth: { oauth: { perCaller: true } } } },
        auth: { jwt: { issuer: idp.issuer, audience: resource, jwksUrl: `${idp.issuer}/jwks` } },
        oauth: { store: 'memory', confirmCaller: { oidc: { issuer: `http://127.0.0.1:${await freePort()}`, clientId: 'gw', clientSecret: 's' } } },
      }),
      { format: 'yaml' },
    );
    const found = await checkDependencies(confirming);
    expect(found.map((d) => [d.kind, d.ok])).toEqual([
      ['jwt keys', true],
      ['caller confirmation', false],
    ]);
    expect(found[1]!.error).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('the SQLite audit log: the directory it is made in, else the file read as one (how far its chain goes), and a file that is none', async () => {
    const auditIn = (path: string) => parseConfig(stringify({ servers: {}, audit: { path } }), { format: 'yaml' });
    const fresh = join(mkdtempSync(join(tmpdir(), 'mcplex-check-sqlite-')), 'audit.db');
    expect(await checkDependencies(auditIn(fresh))).toEqual([{ kind: 'audit', target: `sqlite ${fresh}`, ok: true, detail: 'its directory can be written (the file is made at start)' }]);
    // The gateway's own log, with records in it; checking it writes nothing.
    const sink = new SqliteAuditSink({ path: fresh });
    const record = (i: number) => ({ time: new Date().toISOString(), requestId: `r${i}`, principal: 'alice', method: 'tools/call', target: 'fs__read', outcome: 'ok' as const, durationMs: 1 });
    await sink.append([record(1), record(2)]);
    await sink.close();
    const [made] = await checkDependencies(auditIn(fresh));
    expect(made).toEqual({ kind: 'audit', target: `sqlite ${fresh}`, ok: true, detail: 'table mcplex_audit, newest record #2; the file can be written' });
    const reopened = new SqliteAuditSink({ path: fresh });
    expect((await reopened.verify()).ok).toBe(true);
    await reopened.close();
    // A path that names something else (a config file, say).
    const other = join(dir, 'not-a-database.db');
    writeFileSync(other, 'servers: {}\n'.repeat(100));
    const [foreign] = await checkDependencies(auditIn(other));
    expect(foreign).toMatchObject({ kind: 'audit', ok: false, error: 'it cannot be read as a SQLite database: file is not a database' });
  });
});
