// Runs @modelcontextprotocol/conformance@0.1.16 server mode against any Streamable HTTP URL (the fixture,
// or later a gateway in front of it) under Node 22, and turns every checks.json into a per-scenario verdict.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './fixture-process.js';

/** Node 22: the 0.1.16 CLI imports fs.globSync and crashes on Node 20. Always an explicit path. */
export const NODE22 = join(REPO_ROOT, 'node_modules/node/bin/node');
export const CONFORMANCE_CLI = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

export type Suite = 'active' | 'pending';
export type Verdict = 'PASS' | 'FAIL' | 'WARN';

export interface ScenarioResult {
  scenario: string;
  suite: Suite;
  verdict: Verdict;
  success: number;
  failure: number;
  warning: number;
  /** `name: message` of the first FAILURE (else first WARNING), if any. */
  firstError?: string;
}

export interface SuiteRun {
  suite: Suite;
  outDir: string;
  /** The CLI's exit code (it ignores WARNINGs, so it is informational only), or null if killed. */
  exitCode: number | null;
  results: ScenarioResult[];
  /** The CLI's combined stdout/stderr tail, for diagnosis. */
  log: string;
}

interface Check {
  id?: string;
  name?: string;
  description?: string;
  status: string;
  errorMessage?: string;
}

const DIR_PATTERN = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/** A scenario passes only with ≥1 SUCCESS and no FAILURE or WARNING; an empty check list is a failure. */
export function judge(scenario: string, suite: Suite, checks: Check[]): ScenarioResult {
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  const [success, failure, warning] = [count('SUCCESS'), count('FAILURE'), count('WARNING')];
  const verdict: Verdict = failure > 0 || (success === 0 && warning === 0) ? 'FAIL' : warning > 0 ? 'WARN' : 'PASS';
  const bad = checks.find((c) => c.status === 'FAILURE') ?? checks.find((c) => c.status === 'WARNING');
  const firstError = bad ? `${bad.name ?? bad.id}: ${bad.errorMessage ?? bad.description ?? ''}` : success === 0 ? 'no checks ran' : undefined;
  return { scenario, suite, verdict, success, failure, warning, ...(firstError && { firstError }) };
}

/** Reads every `server-<scenario>-<timestamp>/checks.json` under `outDir`. */
export async function readResults(outDir: string, suite: Suite): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const entry of (await readdir(outDir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const scenario = DIR_PATTERN.exec(entry.name)?.[1];
    if (!scenario) continue;
    let checks: Check[];
    try {
      checks = JSON.parse(await readFile(join(outDir, entry.name, 'checks.json'), 'utf8')) as Check[];
    } catch (err) {
      checks = [{ name: 'checks.json', status: 'FAILURE', errorMessage: `unreadable: ${(err as Error).message}` }];
    }
    results.push(judge(scenario, suite, Array.isArray(checks) ? checks : []));
  }
  return results.sort((a, b) => a.scenario.localeCompare(b.scenario));
}

function runCli(args: string[], timeoutMs: number): Promise<{ exitCode: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE22, [CONFORMANCE_CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-256 * 1024);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      log += `\n[run-suite] conformance CLI exceeded ${timeoutMs} ms; killing pid ${child.pid}\n`;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, log });
    });
  });
}

export interface RunOptions {
  /** The MCP endpoint, e.g. http://127.0.0.1:PORT/mcp (must be a localhost URL for dns-rebinding-protection). */
  url: string;
  /** Names the results directory: `<outRoot>/<label>/<suite>`. */
  label: string;
  suites?: Suite[];
  /** Default `<repo>/.conformance`. */
  outRoot?: string;
  /** Per-suite bound on the CLI run; default 180 s. */
  timeoutMs?: number;
}

/** Runs each suite in turn (sequentially: scenarios sharing the CPU makes timing checks flaky). */
export async function runConformance(opts: RunOptions): Promise<SuiteRun[]> {
  const runs: SuiteRun[] = [];
  const label = opts.label.replace(/[^\w.-]+/g, '_');
  for (const suite of opts.suites ?? ['active', 'pending']) {
    const outDir = join(opts.outRoot ?? join(REPO_ROOT, '.conformance'), label, suite);
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const { exitCode, log } = await runCli(['server', '--url', opts.url, '--suite', suite, '-o', outDir], opts.timeoutMs ?? 180_000);
    runs.push({ suite, outDir, exitCode, log, results: await readResults(outDir, suite) });
  }
  return runs;
}
