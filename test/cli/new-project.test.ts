// `mcplex new`: a server project as a user gets it. The command's checks (an empty directory, a package name), then
// the whole path with the package as npm would publish it: `npm pack` of this checkout, the project made to install
// it from the tarball (`--mcplex file:…`), `npm install` (and the project's other dependencies from the registry),
// `npm run build` (the published types), `npm test`, its tool called over stdio by the installed `mcplex`, over HTTP,
// and started by the gateway (`mcplex check --connect`) as its README says; and its development loop from the README
// (run from source by `mcplex serve` with `watch:`, a tool added to its source listed and called after the save).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { killPid, ROOT, spawnNode, waitForExit, waitUntil } from '../helpers/process.js';
import { builtIsCurrent, runCli } from '../gateway/fixtures/cli.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const run = promisify(execFile);
const tempDir = tempDirs('mcplex-new-');

async function mcplexNew(dir: string, ...options: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const cli = runCli(['new', dir, ...options]);
  const { code } = await cli.exited();
  return { code, out: cli.stdout(), err: cli.stderr() };
}

describe('mcplex new', () => {
  it('writes the project into a new or empty directory, named after it or --name; refuses a directory with files and a name npm would not take', async () => {
    const at = tempDir();
    const made = await mcplexNew(join(at, 'weather-tools'));
    expect(made.code).toBe(0);
    expect(made.out).toContain(`Created weather-tools in ${join(at, 'weather-tools')}`);
    expect(made.out).toMatch(/npm install\n {2}npm test/);
    expect(readdirSync(join(at, 'weather-tools'), { recursive: true }).sort()).toEqual(['.gitignore', 'README.md', 'package.json', 'src', 'src/main.ts', 'src/server.ts', 'test', 'test/server.test.ts', 'tsconfig.json']);
    const pkg = JSON.parse(readFileSync(join(at, 'weather-tools', 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'weather-tools', type: 'module', dependencies: { mcplex: '^0.1.0', zod: expect.stringMatching(/^\^4\./) } });
    expect(readFileSync(join(at, 'weather-tools', 'src', 'server.ts'), 'utf8')).toContain("createServer({ name: \"weather-tools\", version: '0.1.0' })");

    const again = await mcplexNew(join(at, 'weather-tools'));
    expect(again.code).toBe(2);
    expect(again.err).toContain(`${join(at, 'weather-tools')} exists and is not empty; name a new directory`);

    mkdirSync(join(at, 'empty'));
    const scoped = await mcplexNew(join(at, 'empty'), '--name', '@acme/ops.tools');
    expect(scoped.code).toBe(0);
    expect(readFileSync(join(at, 'empty', 'README.md'), 'utf8')).toContain('ops-tools: { command: node, args: [dist/main.js] }');

    const bad = await mcplexNew(join(at, 'My Tools'));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'my tools' is not a package name");
    expect(existsSync(join(at, 'My Tools'))).toBe(false);
  });

  it('makes a project that installs from the packed package, builds, passes its tests and serves its tool over stdio, HTTP and through the gateway', { timeout: 300_000 }, async () => {
    if (!builtIsCurrent()) await run('npm', ['run', '-s', 'build'], { cwd: ROOT, timeout: 120_000 });
    const at = tempDir();
    const { stdout: packed } = await run('npm', ['pack', '--silent', '--pack-destination', at], { cwd: ROOT, timeout: 60_000 });
    const tarball = join(at, packed.trim().split('\n').at(-1)!);
    const project = join(at, 'my-server');
    // As the README says until mcplex is on the registry: the project installs it from the tarball.
    expect((await mcplexNew(project, '--mcplex', `file:${tarball}`)).code).toBe(0);
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies.mcplex).toBe(`file:${tarball}`);

    // Install scripts stay off (no native module of the package is needed here); everything else as a user gets it.
    // As from a shell: none of this test run's own npm or vitest settings.
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|VITEST|TEST$|NODE_ENV$)/i.test(k))), npm_config_update_notifier: 'false' };
    const npm = (args: string[], timeout: number) => run('npm', args, { cwd: project, timeout, env });
    await npm(['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], 180_000);
    await npm(['run', '-s', 'build'], 120_000);
    expect(existsSync(join(project, 'dist', 'main.js'))).toBe(true);
    const tested = await npm(['test'], 120_000);
    expect(stripVTControlCharacters(tested.stdout)).toMatch(/Tests\s+4 passed \(4\)/);

    const mcplex = join(project, 'node_modules', 'mcplex', 'dist', 'cli', 'main.js');
    const called = await run(process.execPath, [mcplex, 'call', 'greet', 'name=Ada', '--', process.execPath, 'dist/main.js'], { cwd: project, timeout: 30_000 });
    expect(called.stdout.trim()).toBe('Hello, Ada!');

    const http = spawnNode([join(project, 'dist', 'main.js')], { env: { PORT: '0' } });
    try {
      const url = await waitUntil(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(http.stderr())?.[1], 15_000, `the server's URL; stderr: ${http.stderr()}`);
      const overHttp = await run(process.execPath, [mcplex, 'call', 'greet', 'name=Grace', '--url', url], { cwd: project, timeout: 30_000 });
      expect(overHttp.stdout.trim()).toBe('Hello, Grace!');
    } finally {
      killPid(http.pid, 'SIGTERM');
      await waitForExit(http.child, 10_000);
    }

    // The README's gateway file, as written there.
    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    const [built, dev] = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    writeFileSync(join(project, 'mcplex.yaml'), built!);
    const checked = await run(process.execPath, [mcplex, 'check', '-c', 'mcplex.yaml', '--connect'], { cwd: project, timeout: 60_000 });
    expect(checked.stdout).toMatch(/my-server\s+up\s+\S+\s+1 tool/);

    // Its development loop, as the README says: run from source behind the gateway, a save restarts it.
    writeFileSync(join(project, 'mcplex-dev.yaml'), dev!);
    const gateway = spawnNode([mcplex, 'serve', '-c', 'mcplex-dev.yaml', '--port', '0'], { cwd: project, env: { MCPLEX_LOG_LEVEL: 'info' } });
    let said = '';
    gateway.child.stdout!.on('data', (d: Buffer) => (said += d));
    try {
      const url = await waitUntil(() => /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(said)?.[1], 60_000, `the gateway's URL; stderr: ${gateway.stderr()}`);
      await waitUntil(() => gateway.stderr().includes('watching files: a change restarts the server'), 30_000, `the watch ready; stderr: ${gateway.stderr()}`);
      const tools = async () => (await run(process.execPath, [mcplex, 'tools', '--url', url], { cwd: project, timeout: 30_000 })).stdout;
      expect(await tools()).toContain('my-server__greet');
      const source = readFileSync(join(project, 'src', 'server.ts'), 'utf8');
      writeFileSync(join(project, 'src', 'server.ts'), `${source}\nserver.tool('farewell', { description: 'Says goodbye', input: z.object({}) }, () => 'Goodbye!');\n`);
      await waitUntil(() => gateway.stderr().includes('watched file changed: src/server.ts'), 30_000, `the restart; stderr: ${gateway.stderr()}`);
      await waitUntil(async () => (await tools()).includes('my-server__farewell') || undefined, 60_000, 'the new tool listed');
      const farewell = await run(process.execPath, [mcplex, 'call', 'my-server__farewell', '--url', url], { cwd: project, timeout: 30_000 });
      expect(farewell.stdout.trim()).toBe('Goodbye!');
    } finally {
      killPid(gateway.pid, 'SIGTERM');
      await waitForExit(gateway.child, 15_000);
    }
  });
});
