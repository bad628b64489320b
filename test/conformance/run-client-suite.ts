// Runs every client scenario of the official conformance suite (`conformance client --scenario <name>`) with
// `wrapper` as the client command, a few at a time (the suite's own `--suite all` starts them all at once, which a
// small machine running other tests cannot do within the suite's per-scenario timeout), and reads each scenario's
// checks.json: what failed or warned, by scenario.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT, track, waitForExit } from '../helpers/process.js';
import { CONFORMANCE_CLI, NODE22 } from './run-suite.js';

interface Check {
  id: string;
  status: string;
  errorMessage?: string;
  description?: string;
}

export interface ClientSuiteRun {
  /** Every client scenario the suite has. */
  scenarios: string[];
  /** Each scenario's FAILURE and WARNING checks ("STATUS id: message"); a scenario that wrote none is missing. */
  bad: Map<string, string[]>;
  /** Checks that passed, over all scenarios. */
  passed: number;
  /** The output of the scenarios that failed, for diagnosis. */
  log: string;
}

function runSuite(args: string[], timeoutMs: number): Promise<string> {
  const child = spawn(NODE22, [CONFORMANCE_CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child.pid!);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  return waitForExit(child, timeoutMs).then(() => out);
}

/** The suite's client scenarios, as `conformance list --client` names them. */
async function clientScenarios(): Promise<string[]> {
  const listed = await runSuite(['list', '--client'], 60_000);
  return [...listed.matchAll(/^ {2}- (\S+) \[/gm)].map((m) => m[1]!);
}

export async function runClientSuite(wrapper: string, concurrency = 3): Promise<ClientSuiteRun> {
  const out = mkdtempSync(join(tmpdir(), 'mcplex-client-conformance-'));
  try {
    const scenarios = await clientScenarios();
    const logs = new Map<string, string>();
    const queue = [...scenarios];
    const worker = async () => {
      for (let scenario = queue.shift(); scenario !== undefined; scenario = queue.shift()) {
        const dir = join(out, scenario.replace(/\//g, '_'));
        // The suite's own bound per scenario is 30 s; a machine busy with other tests may need more.
        logs.set(scenario, await runSuite(['client', '--command', `${process.execPath} ${wrapper}`, '--scenario', scenario, '--timeout', '90000', '--output-dir', dir], 150_000));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const bad = new Map<string, string[]>();
    let passed = 0;
    for (const scenario of scenarios) {
      const dir = join(out, scenario.replace(/\//g, '_'));
      const file = readdirSync(dir, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('checks.json'));
      if (!file) continue;
      const checks = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Check[];
      passed += checks.filter((c) => c.status === 'SUCCESS').length;
      bad.set(scenario, checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING').map((c) => `${c.status} ${c.id}: ${c.errorMessage ?? c.description ?? ''}`));
    }
    const log = scenarios.filter((s) => (bad.get(s)?.length ?? 1) > 0).map((s) => `== ${s}\n${(logs.get(s) ?? '').slice(-1500)}`).join('\n');
    return { scenarios, bad, passed, log };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Runs every client scenario with `wrapper` (a path under the repository) and expects each to have written its checks
 * and none to have failed or warned but those of `notDone`; the run, for its figures.
 */
export async function expectClientConformance(wrapper: string, notDone: Record<string, string> = {}): Promise<ClientSuiteRun> {
  expect(existsSync(join(ROOT, 'dist/cli/main.js')), 'dist/cli/main.js: run `npm run build` first (npm test does)').toBe(true);
  const run = await runClientSuite(join(ROOT, wrapper));
  expect(run.scenarios.length).toBeGreaterThanOrEqual(48);
  // Every scenario wrote its checks (one that did not is missing here).
  expect([...run.bad.keys()], run.log).toEqual(run.scenarios);
  expect(Object.fromEntries([...run.bad].filter(([scenario, bad]) => bad.length > 0 && !(scenario in notDone))), run.log).toEqual({});
  return run;
}
