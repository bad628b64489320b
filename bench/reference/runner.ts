// Runs one suite of the reference bench: each server as a real stdio child driven by the official SDK client,
// its start-up (spawn → initialize answered) timed over several spawns, then every task warmed up and timed call by call.
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type Stats, stats } from './report.js';
import { type Op, ROOT, type SuiteDef } from './tasks.js';

export interface RunOptions {
  iterations: number;
  warmup: number;
  /** How many times each server is spawned to time its start-up (the last one runs the tasks). */
  starts: number;
  /** Task names to run (default: all). */
  tasks?: string[];
}

export interface TaskStats extends Stats {
  errors: number;
  errorSamples: string[];
}

export interface TaskResult {
  name: string;
  ours: TaskStats;
  official: TaskStats;
}

export interface SuiteResult {
  suite: string;
  startupMs: { ours: Stats; official: Stats };
  tasks: TaskResult[];
}

/** Clients still open, for a cleanup on Ctrl-C. */
export const openClients = new Set<Client>();

async function spawnServer(args: string[]): Promise<{ client: Client; ms: number }> {
  const transport = new StdioClientTransport({ command: process.execPath, args, cwd: ROOT, env: { ...(process.env as Record<string, string>), MCPLEX_LOG_LEVEL: 'warn' }, stderr: 'pipe' });
  // Drain stderr so a chatty child never blocks on a full pipe.
  transport.stderr?.on('data', () => {});
  // 2025 era: the official servers speak nothing newer, and ours is held to the same protocol.
  const client = new Client({ name: 'mcplex-bench-reference', version: '1.0.0' });
  const t0 = performance.now();
  await client.connect(transport);
  const ms = performance.now() - t0;
  openClients.add(client);
  return { client, ms };
}

async function close(client: Client): Promise<void> {
  openClients.delete(client);
  await client.close();
}

/** Spawns `starts` times, keeps the last client open. */
async function start(args: string[], starts: number): Promise<{ client: Client; startup: Stats }> {
  const times: number[] = [];
  for (let i = 0; ; i++) {
    const { client, ms } = await spawnServer(args);
    times.push(ms);
    if (i + 1 >= starts) return { client, startup: stats(times, times.reduce((a, b) => a + b, 0)) };
    await close(client);
  }
}

async function measure(client: Client, op: Op, opts: RunOptions): Promise<TaskStats> {
  const errorSamples: string[] = [];
  let errors = 0;
  const once = async (): Promise<boolean> => {
    try {
      await op(client);
      return true;
    } catch (err) {
      errors++;
      if (errorSamples.length < 3) errorSamples.push((err as Error).message);
      return false;
    }
  };
  for (let i = 0; i < opts.warmup; i++) await once();
  errors = 0;
  errorSamples.length = 0;
  const times: number[] = [];
  const began = performance.now();
  for (let i = 0; i < opts.iterations; i++) {
    const t0 = performance.now();
    if (await once()) times.push(performance.now() - t0);
  }
  return { ...stats(times, performance.now() - began), errors, errorSamples };
}

export async function runSuite(suite: SuiteDef, opts: RunOptions, log: (line: string) => void = () => {}): Promise<SuiteResult> {
  const ours = await start(suite.ours, opts.starts);
  let official: Awaited<ReturnType<typeof start>> | undefined;
  try {
    official = await start(suite.official, opts.starts);
    const tasks: TaskResult[] = [];
    for (const task of suite.tasks) {
      if (opts.tasks && !opts.tasks.includes(task.name)) continue;
      // Ours first, then the official one, each on its own warmed-up child.
      const result = { name: task.name, ours: await measure(ours.client, task.ours, opts), official: await measure(official.client, task.official, opts) };
      log(`${suite.name} / ${task.name}: ours p50 ${result.ours.p50} ms (${result.ours.errors} errors), official p50 ${result.official.p50} ms (${result.official.errors} errors)`);
      tasks.push(result);
    }
    return { suite: suite.name, startupMs: { ours: ours.startup, official: official.startup }, tasks };
  } finally {
    await Promise.allSettled([close(ours.client), official && close(official.client)]);
  }
}
