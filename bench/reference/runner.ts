// Runs one suite of the reference bench: each server as a real stdio child driven by the official SDK client,
// its start-up (spawn → initialize answered) timed over several spawns, then every task warmed up and timed call by call.
import { readFileSync } from 'node:fs';
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
  /** The server child's CPU (user + system) per measured call, µs; 10 ms clock ticks, so coarse for few calls. */
  serverCpuUsPerCall: number;
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

interface Child {
  client: Client;
  pid: number;
}

/** CPU time of a process so far, in µs (utime + stime, clock ticks of 10 ms). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function spawnServer(args: string[]): Promise<Child & { ms: number }> {
  const transport = new StdioClientTransport({ command: process.execPath, args, cwd: ROOT, env: { ...(process.env as Record<string, string>), MCPLEX_LOG_LEVEL: 'warn' }, stderr: 'pipe' });
  // Drain stderr so a chatty child never blocks on a full pipe.
  transport.stderr?.on('data', () => {});
  // 2025 era: the official servers speak nothing newer, and ours is held to the same protocol.
  const client = new Client({ name: 'mcplex-bench-reference', version: '1.0.0' });
  const t0 = performance.now();
  await client.connect(transport);
  const ms = performance.now() - t0;
  openClients.add(client);
  return { client, pid: transport.pid!, ms };
}

async function close(client: Client): Promise<void> {
  openClients.delete(client);
  await client.close();
}

/** Spawns `starts` times, keeps the last client open. */
async function start(args: string[], starts: number): Promise<Child & { startup: Stats }> {
  const times: number[] = [];
  for (let i = 0; ; i++) {
    const { client, pid, ms } = await spawnServer(args);
    times.push(ms);
    if (i + 1 >= starts) return { client, pid, startup: stats(times, times.reduce((a, b) => a + b, 0)) };
    await close(client);
  }
}

/** Timed calls of one side of a task, accumulated over rounds. */
class Side {
  readonly times: number[] = [];
  readonly errorSamples: string[] = [];
  errors = 0;
  wallMs = 0;
  cpuUs = 0;
  constructor(
    readonly child: Child,
    readonly op: Op,
  ) {}

  async call(): Promise<number | undefined> {
    const t0 = performance.now();
    try {
      await this.op(this.child.client);
      return performance.now() - t0;
    } catch (err) {
      this.errors++;
      if (this.errorSamples.length < 3) this.errorSamples.push((err as Error).message);
      return undefined;
    }
  }

  async round(calls: number): Promise<void> {
    const cpu0 = cpuUs(this.child.pid);
    const began = performance.now();
    for (let i = 0; i < calls; i++) {
      const ms = await this.call();
      if (ms !== undefined) this.times.push(ms);
    }
    this.wallMs += performance.now() - began;
    this.cpuUs += cpuUs(this.child.pid) - cpu0;
  }

  result(): TaskStats {
    const s = stats(this.times, this.wallMs);
    return { ...s, serverCpuUsPerCall: s.n > 0 ? Math.round(this.cpuUs / s.n) : 0, errors: this.errors, errorSamples: this.errorSamples };
  }
}

/** Rounds of this many calls alternate between ours and the official server, so load drift hits both alike. */
const ROUND = 25;

async function measure(ours: Side, official: Side, opts: RunOptions): Promise<void> {
  for (const side of [ours, official]) {
    for (let i = 0; i < opts.warmup; i++) await side.call();
    side.errors = 0;
    side.errorSamples.length = 0;
  }
  for (let done = 0; done < opts.iterations; done += ROUND) {
    const calls = Math.min(ROUND, opts.iterations - done);
    await ours.round(calls);
    await official.round(calls);
  }
}

export async function runSuite(suite: SuiteDef, opts: RunOptions, log: (line: string) => void = () => {}): Promise<SuiteResult> {
  const ours = await start(suite.ours, opts.starts);
  let official: Awaited<ReturnType<typeof start>> | undefined;
  try {
    official = await start(suite.official, opts.starts);
    const tasks: TaskResult[] = [];
    for (const task of suite.tasks) {
      if (opts.tasks && !opts.tasks.includes(task.name)) continue;
      const a = new Side(ours, task.ours);
      const b = new Side(official, task.official);
      await measure(a, b, opts);
      const result = { name: task.name, ours: a.result(), official: b.result() };
      log(`${suite.name} / ${task.name}: ours p50 ${result.ours.p50} ms (${result.ours.errors} errors), official p50 ${result.official.p50} ms (${result.official.errors} errors)`);
      tasks.push(result);
    }
    return { suite: suite.name, startupMs: { ours: ours.startup, official: official.startup }, tasks };
  } finally {
    await Promise.allSettled([close(ours.client), official && close(official.client)]);
  }
}
