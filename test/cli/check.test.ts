// `mcplex check` as a CI step would run it, from source as a child process: a config is checked as `serve` checks
// it (exit 2 naming the key), and with --connect each server is started once and reported (a fixture server up with
// what it exposes, one whose command does not exist down with why, a disabled one skipped), exit 1 when one did not
// come up, and no server process left behind.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, waitGone } from '../helpers/process.js';
import { fixtureServer, runCli } from '../gateway/fixtures/cli.js';

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

  it('checks the file without starting anything', async () => {
    const { code, stdout } = await check(['--config', mixed]);
    expect(code).toBe(0);
    expect(stdout).toBe(`config ok: ${mixed} (3 servers, 2 enabled; auth: off, audit: off, cache: off, pinning: off, tool search: off, endpoints: off, secret scan: off)\n`);
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
