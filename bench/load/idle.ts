// Idle 2025-era sessions: the target tree's RSS before and after opening N real sessions (initialize +
// notifications/initialized, `concurrency` at a time, no calls, all kept open), then every session closed with
// DELETE. A few sessions are opened and closed first so that code loaded on the first session is not counted.
import { treeMemoryMb } from './proc.js';
import type { McpSession } from './sessions.js';

export interface IdleSpec {
  sessions: number;
  /** Sessions being opened at once (each open is two requests, one after the other). */
  concurrency: number;
  /** Opening gives up (with an error) after this long. */
  giveUpMs: number;
  /** Wait before each RSS reading (the reading is the median of 3, 250 ms apart). */
  settleMs: number;
  /** Sessions opened and closed before the "before" reading. */
  warmupSessions: number;
}

export interface IdleResult {
  sessions: number;
  opened: number;
  errors: number;
  errorSamples: string[];
  /** Set when not every session could be opened within giveUpMs. */
  error?: string;
  openMs: number;
  closeMs: number;
  beforeRssMb: number;
  openRssMb: number;
  closedRssMb: number;
  extraMb: number;
  mbPer1000: number | null;
  processesBefore: number;
  processesOpen: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn(i)` for i < n with `concurrency` workers; no new item starts after `deadline` (Date.now() ms). */
async function pool(n: number, concurrency: number, deadline: number, fn: (i: number) => Promise<void>): Promise<boolean> {
  let next = 0;
  const worker = async () => {
    while (next < n && Date.now() < deadline) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return next >= n;
}

async function rssReading(roots: number[], settleMs: number): Promise<{ rssMb: number; processes: number }> {
  await sleep(settleMs);
  const xs: number[] = [];
  let processes = 0;
  for (let i = 0; i < 3; i++) {
    if (i > 0) await sleep(250);
    const m = treeMemoryMb(roots);
    xs.push(m.rssMb);
    processes = m.processes;
  }
  xs.sort((a, b) => a - b);
  return { rssMb: xs[1]!, processes };
}

export async function runIdleSessions(spec: IdleSpec, open: (timeoutMs: number) => Promise<McpSession>, roots: number[]): Promise<IdleResult> {
  const errorSamples: string[] = [];
  let errors = 0;
  const fail = (msg: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(msg);
  };
  const closeAll = async (list: McpSession[], deadlineMs: number) => {
    const deadline = Date.now() + deadlineMs;
    await pool(list.length, spec.concurrency, deadline, (i) => list[i]!.close());
  };

  const warm: McpSession[] = [];
  await pool(spec.warmupSessions, spec.concurrency, Date.now() + 15_000, async () => {
    await open(15_000).then((s) => warm.push(s), (err: Error) => fail(`warm-up open: ${err.message}`));
  });
  await closeAll(warm, 15_000);
  const before = await rssReading(roots, spec.settleMs);

  const sessions: McpSession[] = [];
  const t0 = performance.now();
  const deadline = Date.now() + spec.giveUpMs;
  await pool(spec.sessions, spec.concurrency, deadline, async () => {
    const timeoutMs = Math.max(1000, Math.min(15_000, deadline - Date.now()));
    await open(timeoutMs).then((s) => sessions.push(s), (err: Error) => fail(`open: ${err.message}`));
  });
  const openMs = performance.now() - t0;
  const error = sessions.length < spec.sessions ? `gave up: ${sessions.length} of ${spec.sessions} sessions open after ${Math.round(openMs / 1000)} s (${errors} errors)` : undefined;
  const opened = await rssReading(roots, spec.settleMs);

  const t1 = performance.now();
  await closeAll(sessions, 30_000);
  const closeMs = performance.now() - t1;
  const closed = await rssReading(roots, spec.settleMs);

  const extraMb = opened.rssMb - before.rssMb;
  return {
    sessions: spec.sessions,
    opened: sessions.length,
    errors,
    errorSamples,
    ...(error !== undefined && { error }),
    openMs: Math.round(openMs),
    closeMs: Math.round(closeMs),
    beforeRssMb: before.rssMb,
    openRssMb: opened.rssMb,
    closedRssMb: closed.rssMb,
    extraMb: round(extraMb),
    mbPer1000: sessions.length > 0 ? round((extraMb * 1000) / sessions.length) : null,
    processesBefore: before.processes,
    processesOpen: opened.processes,
  };
}
