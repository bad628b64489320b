// Runs @modelcontextprotocol/conformance@0.2.0-alpha.12 server mode (`--requirements <revision>`, and the skills
// extension by name) against a Streamable HTTP URL under Node 22, and reads every checks.json it writes.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './fixture-process.js';
import { REVISIONS, type RunName, SKILL_SCENARIOS } from './scenarios.js';

/** Node 22: the suite requires it (engines >= 22); the project runs on Node 20. Always an explicit path. */
export const NODE22 = join(REPO_ROOT, 'node_modules/node/bin/node');
export const CONFORMANCE_CLI = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

export interface Check {
  id?: string;
  name?: string;
  description?: string;
  status: string;
  errorMessage?: string;
}

/** One scenario's checks.json, as read: counts and the checks that failed or warned. */
export interface ScenarioChecks {
  scenario: string;
  run: RunName;
  success: number;
  failure: number;
  warning: number;
  skipped: number;
  /** FAILURE and WARNING checks: `{ id, status, message }`. */
  bad: Array<{ id: string; status: 'FAILURE' | 'WARNING'; message: string }>;
}

export interface SuiteRun {
  run: RunName;
  outDir: string;
  /** The CLI's exit code (informational: it ignores WARNINGs and knows nothing of our known failures), or null. */
  exitCode: number | null;
  results: ScenarioChecks[];
  /** The CLI's combined stdout/stderr tail, for diagnosis. */
  log: string;
}

const DIR_PATTERN = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

export function summarize(scenario: string, run: RunName, checks: Check[]): ScenarioChecks {
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  const bad = checks
    .filter((c): c is Check & { status: 'FAILURE' | 'WARNING' } => c.status === 'FAILURE' || c.status === 'WARNING')
    .map((c) => ({ id: c.id ?? c.name ?? '?', status: c.status, message: (c.errorMessage ?? c.description ?? '').replace(/\s+/g, ' ') }));
  return { scenario, run, success: count('SUCCESS'), failure: count('FAILURE'), warning: count('WARNING'), skipped: count('SKIPPED'), bad };
}

/** Reads every `server-<scenario>-<timestamp>/checks.json` under `outDir`; an unreadable one is a FAILURE. */
export async function readResults(outDir: string, run: RunName): Promise<ScenarioChecks[]> {
  const results: ScenarioChecks[] = [];
  for (const entry of (await readdir(outDir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const scenario = DIR_PATTERN.exec(entry.name)?.[1];
    if (!scenario) continue;
    let checks: Check[];
    try {
      checks = JSON.parse(await readFile(join(outDir, entry.name, 'checks.json'), 'utf8')) as Check[];
    } catch (err) {
      checks = [{ id: 'checks.json', status: 'FAILURE', errorMessage: `unreadable: ${(err as Error).message}` }];
    }
    results.push(summarize(scenario, run, Array.isArray(checks) ? checks : []));
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
    // A bound against a hung CLI only (it has its own per-scenario timeout); results come from checks.json.
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
  /** Names the results directory: `<outRoot>/<label>/<run>`. */
  label: string;
  runs?: readonly RunName[];
  /** Default `<repo>/.conformance`. */
  outRoot?: string;
  /** Per-CLI-run bound; default 180 s. */
  timeoutMs?: number;
}

/** Runs each revision's requirements, then the skills scenarios, one after the other (sharing the CPU makes timing flaky). */
export async function runConformance(opts: RunOptions): Promise<SuiteRun[]> {
  const runs: SuiteRun[] = [];
  const label = opts.label.replace(/[^\w.-]+/g, '_');
  for (const run of opts.runs ?? [...REVISIONS, 'extensions']) {
    const outDir = join(opts.outRoot ?? join(REPO_ROOT, '.conformance'), label, run);
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    const base = ['server', '--url', opts.url, '-o', outDir];
    const invocations = run === 'extensions' ? SKILL_SCENARIOS.map((s) => [...base, '--scenario', s]) : [[...base, '--requirements', run]];
    let exitCode: number | null = 0;
    let log = '';
    for (const args of invocations) {
      const r = await runCli(args, opts.timeoutMs ?? 180_000);
      exitCode = exitCode === 0 ? r.exitCode : exitCode;
      log = (log + r.log).slice(-256 * 1024);
    }
    runs.push({ run, outDir, exitCode, log, results: await readResults(outDir, run) });
  }
  return runs;
}
