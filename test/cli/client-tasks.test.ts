// `mcplex call` of a tool a 2026-07-28 server runs only as a task: the CLI is told so (-32021), calls again declaring
// the tasks extension, shows the task's status on stderr, answers what it asks at the terminal, prints its result,
// and Ctrl-C cancels the task at the server. Against the conformance fixture over HTTP, and a gateway (`mcplex
// serve`) in front of a framework server whose handler records the cancellation it sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureProcess, startFixture } from '../conformance/fixture-process.js';
import { killStarted, ROOT, tsxArgs } from '../helpers/process.js';
import { runCli, serveCli, writeConfig } from '../gateway/fixtures/cli.js';
import { RELAY_UPSTREAM } from '../gateway/helpers/harness.js';

afterAll(killStarted);

async function mcplex(input: string, ...args: string[]) {
  const cli = runCli(args, { MCPLEX_LOG_LEVEL: 'warn' });
  cli.child.stdin!.end(input);
  const { code } = await cli.exited(60_000);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('mcplex call: a tool the server runs only as a task', () => {
  let fixture: FixtureProcess;
  beforeAll(async () => {
    fixture = await startFixture({ startTimeoutMs: 30_000 });
  }, 40_000);
  afterAll(() => fixture?.stop());

  it('awaits the task, answering its question at the terminal, and prints its result', async () => {
    const called = await mcplex('Alice\n', 'call', 'test_tool_with_task', '--url', fixture.url, '--protocol', '2026-07-28');
    expect(called).toMatchObject({ code: 0, stdout: 'Hello, Alice! (worked on as a task)\n' });
    expect(called.stderr).toContain('What is your name?');
    expect(called.stderr).toMatch(/^task \S+: completed$/m);
  });

  it("shows the task's status as it changes; a tool error exits 1", async () => {
    const failed = await mcplex('', 'call', 'failing_job', '--url', fixture.url, '--protocol', '2026-07-28');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('the job failed');
    expect(failed.stderr).toMatch(/^task (\S+): working\ntask \1: completed$/m);
  });

  it('Ctrl-C cancels the task at the server', async () => {
    const config = writeConfig({
      fw: { command: process.execPath, args: tsxArgs(RELAY_UPSTREAM), cwd: ROOT, protocol: '2026-07-28', env: { MCPLEX_LOG_LEVEL: 'warn', RELAY_TASK_TOOLS: '1' } },
    });
    const gateway = await serveCli(config, [], { MCPLEX_LOG_LEVEL: 'warn' });
    try {
      const cli = runCli(['call', 'fw__wait_cancel_task', 'id=from-cli', '--url', gateway.url, '--protocol', '2026-07-28'], { MCPLEX_LOG_LEVEL: 'warn' });
      await cli.waitStderr(/^task \S+: working$/m, 30_000);
      cli.child.kill('SIGINT');
      const { code } = await cli.exited(30_000);
      expect(code).toBe(1);
      expect(cli.stderr()).toMatch(/interrupted: the task was cancelled/);
      const seen = await mcplex('', 'call', 'fw__cancellations', '--url', gateway.url, '--protocol', '2026-07-28');
      expect(JSON.parse(seen.stdout)).toMatchObject({ started: ['from-cli'], cancelled: ['from-cli'] });
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exited(30_000);
    }
  });
});

describe('mcplex call: a tool a 2025-era server runs only as a task (server-everything, 2025-11-25 task augmentation)', () => {
  const EVERYTHING = ['--', process.execPath, `${ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`, 'stdio'];

  it('calls it as a task, shows the task, answers what it asks at the terminal and prints its result', async () => {
    const run = await mcplex('current\n', 'call', 'simulate-research-query', 'topic=tides', 'ambiguous=true', ...EVERYTHING);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^task [0-9a-f]+: working \(Gathering sources\.\.\.\)$/m);
    expect(run.stderr).toContain('The research query "tides" could have multiple interpretations');
    expect(run.stdout).toMatch(/^# Research Report: tides \(current\)\n/);
  });

  it('Ctrl-C while it runs ends the wait (the task is cancelled at the server)', async () => {
    const cli = runCli(['call', 'simulate-research-query', 'topic=tides', '--no-input', ...EVERYTHING], { MCPLEX_LOG_LEVEL: 'warn' });
    await cli.waitStderr(/^task [0-9a-f]+: working/m, 30_000);
    cli.child.kill('SIGINT');
    const { code } = await cli.exited(30_000);
    expect(code).toBe(1);
    expect(cli.stderr()).toContain('interrupted: the task was cancelled');
    expect(cli.stdout()).toBe('');
  });
});
