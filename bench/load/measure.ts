// One measured mode: open S sessions (8 at a time), run C calls in flight on each, warm up, then a window bounded
// in time (echo) or count (sleep); every reply is checked; server CPU and memory come from /proc at the edges.
import { machineTicks, processCpuMicros, treeCpuMicros, treeMemoryMb } from './proc.js';
import type { CallResult, McpSession } from './sessions.js';

export interface ModeSpec {
  /** e.g. echo-1x16 */
  name: string;
  workload: 'echo' | 'sleep';
  sessions: number;
  inflight: number;
  warmupCalls: number;
  warmupMaxMs: number;
  /** echo: the window's length; sleep: the cap on the window. */
  windowMs: number;
  /** sleep: the window ends after this many completed calls. */
  count?: number;
  /** Soak: read the server tree's VmRSS at the window's start, every this many ms, and at its end. */
  rssSampleMs?: number;
  /** Run but not reported (the JIT warm-up before a target's first measured mode); any error still fails the run. */
  discard?: boolean;
}

export interface ModeResult {
  mode: string;
  calls: number;
  errors: number;
  errorSamples: string[];
  callsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  serverCpuUsPerCall: number;
  /** The server's root process alone (for a gateway: without its upstream child). */
  rootCpuUsPerCall: number;
  clientCpuUsPerCall: number;
  machineUtilPct: number;
  treeRssMb: number;
  treeHwmMb: number;
  processes: number;
  openMs: number;
  windowMs: number;
  /** With rssSampleMs: [seconds since the window started, tree VmRSS MB]. */
  rssSamples?: [number, number][];
}

export const CALL_TIMEOUT_MS = 15_000;
const PAD = 'x'.repeat(100);

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function inBatches<T, R>(items: T[], size: number, fn: (t: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.allSettled(items.slice(i, i + size).map(fn))));
  return out;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** `sameArgs`: every echo call sends the same text (a cache-hit target answers all but the first from its cache). */
export async function runMode(
  spec: ModeSpec,
  open: () => Promise<McpSession>,
  serverRoots: (sessions: McpSession[]) => number[],
  tool: (name: string) => string,
  sameArgs = false,
): Promise<ModeResult> {
  const errorSamples: string[] = [];
  let errors = 0;
  const fail = (msg: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(msg);
  };
  const t0 = performance.now();
  const opened = await inBatches(Array.from({ length: spec.sessions }, (_, i) => i), 8, () => open());
  const sessions: McpSession[] = [];
  for (const r of opened) r.status === 'fulfilled' ? sessions.push(r.value) : fail(`open: ${(r.reason as Error).message}`);
  const openMs = performance.now() - t0;
  const roots = serverRoots(sessions);

  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let warmDone = 0;
  const latencies: number[] = [];
  let seq = 0;
  type Snapshot = { cpu: number; root: number; client: NodeJS.CpuUsage; machine: { busy: number; total: number }; t: number };
  let edge: Snapshot | undefined;
  let end: Snapshot | undefined;
  let windowDone: () => void = () => undefined;
  const windowOver = new Promise<void>((r) => (windowDone = r));
  const snapshot = (): Snapshot => ({ cpu: treeCpuMicros(roots), root: processCpuMicros(roots), client: process.cpuUsage(), machine: machineTicks(), t: performance.now() });
  const rssSamples: [number, number][] = [];
  let sampler: NodeJS.Timeout | undefined;
  const sampleRss = () => {
    if (edge) rssSamples.push([round((performance.now() - edge.t) / 1000, 1), treeMemoryMb(roots).rssMb]);
  };
  const startWindow = () => {
    if (phase !== 'warmup') return;
    edge = snapshot();
    phase = 'measure';
    if (spec.rssSampleMs !== undefined) {
      sampleRss();
      sampler = setInterval(sampleRss, spec.rssSampleMs);
    }
  };
  const endWindow = () => {
    if (phase !== 'measure') return;
    clearInterval(sampler);
    // The closing sample, unless the interval has just taken one.
    if (spec.rssSampleMs !== undefined && edge && performance.now() - edge.t - (rssSamples.at(-1)?.[0] ?? 0) * 1000 > 1000) sampleRss();
    end = snapshot();
    phase = 'stop';
    windowDone();
  };

  const expected = (args: Record<string, unknown>) => (spec.workload === 'echo' ? (args.text as string) : `slept ${args.ms}`);
  const check = (r: CallResult, want: string): string | undefined => {
    if (r.isError) return `isError: ${JSON.stringify(r.content).slice(0, 200)}`;
    const got = r.content?.[0]?.text;
    return got === want ? undefined : `mismatch: got ${JSON.stringify(got).slice(0, 80)}`;
  };

  const worker = async (s: McpSession) => {
    while (phase !== 'stop') {
      const n = seq++;
      const args = spec.workload === 'echo' ? { text: sameArgs ? PAD : `${n}:${PAD}`.slice(0, 100) } : { ms: 50 };
      const startedIn = phase;
      const t = performance.now();
      try {
        const problem = check(await s.call(tool(spec.workload), args, CALL_TIMEOUT_MS), expected(args));
        if (problem) {
          fail(problem);
          await new Promise((r) => setImmediate(r)); // a failing target must not starve the timers
        }
        else if (startedIn === 'measure' && phase === 'measure') {
          latencies.push(performance.now() - t);
          if (spec.count !== undefined && latencies.length >= spec.count) endWindow();
        } else if (phase === 'warmup' && ++warmDone >= spec.warmupCalls) startWindow();
      } catch (err) {
        fail((err as Error).message);
        if (errors > 1000) endWindow();
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  };

  const workers = sessions.flatMap((s) => Array.from({ length: spec.inflight }, () => worker(s)));
  const warmTimer = setTimeout(startWindow, spec.warmupMaxMs);
  // The window is bounded in time even for count-based runs; it starts at most warmupMaxMs from now.
  const windowTimer = setTimeout(endWindow, spec.warmupMaxMs + spec.windowMs);
  const armWindow = setInterval(() => {
    if (phase === 'measure' && spec.count === undefined && edge && performance.now() - edge.t >= spec.windowMs) endWindow();
  }, 5);
  if (workers.length === 0) {
    startWindow();
    endWindow();
  }
  await windowOver;
  clearTimeout(warmTimer);
  clearTimeout(windowTimer);
  clearInterval(armWindow);
  const mem = treeMemoryMb(roots);
  await Promise.race([Promise.allSettled(workers), new Promise((r) => setTimeout(r, CALL_TIMEOUT_MS + 1000).unref())]);
  await inBatches(sessions, 8, (s) => s.close());

  const a = edge!;
  const b = end!;
  const calls = latencies.length;
  const seconds = (b.t - a.t) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const clientUs = b.client.user + b.client.system - a.client.user - a.client.system;
  const machine = b.machine.total - a.machine.total;
  return {
    mode: spec.name,
    calls,
    errors,
    errorSamples,
    callsPerSec: round(seconds > 0 ? calls / seconds : 0, 1),
    p50: round(percentile(sorted, 50), 3),
    p90: round(percentile(sorted, 90), 3),
    p99: round(percentile(sorted, 99), 3),
    serverCpuUsPerCall: calls > 0 ? Math.round((b.cpu - a.cpu) / calls) : 0,
    rootCpuUsPerCall: calls > 0 ? Math.round((b.root - a.root) / calls) : 0,
    clientCpuUsPerCall: calls > 0 ? Math.round(clientUs / calls) : 0,
    machineUtilPct: machine > 0 ? Math.round((100 * (b.machine.busy - a.machine.busy)) / machine) : 0,
    treeRssMb: mem.rssMb,
    treeHwmMb: mem.hwmMb,
    processes: mem.processes,
    openMs: Math.round(openMs),
    windowMs: Math.round(b.t - a.t),
    ...(spec.rssSampleMs !== undefined && { rssSamples }),
  };
}
