// Child processes for the tests: TypeScript children run with `--import tsx` from the repository root, bounded
// waits (a stdout line, an exit, PIDs gone), and cleanup that kills only what the tests started, by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** Repository root (with a trailing slash): children run from here so `--import tsx` resolves. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Node arguments that run a TypeScript `script` through tsx. */
export const tsxArgs = (script: string, ...args: string[]): string[] => ['--import', 'tsx', script, ...args];

/** True while the PID exists (a not-yet-reaped zombie counts: it only disappears once reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * How much longer a bounded wait for an event may take in CI, where the whole suite shares two busy cores (a child
 * started with tsx there has taken over 10 s to answer): a wait whose event comes is no longer for it, and only one
 * that would have failed waits more before it fails.
 */
const STRETCH = process.env.CI ? 3 : 1;

/** `ms` as a bound on waiting for an event here (longer in CI). */
export const stretched = (ms: number): number => ms * STRETCH;

/** Polls `check` every 20 ms until it is truthy and resolves with that value; rejects after `timeoutMs` naming `what`. */
export async function waitUntil<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const bound = stretched(timeoutMs);
  const deadline = Date.now() + bound;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${bound} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until none of the PIDs exists. Killed grandchildren are reparented to init and stay zombies until it
 * reaps them, which in some sandboxes takes a couple of seconds; hence the generous default bound.
 */
export function waitGone(pids: number | readonly number[], timeoutMs = 8000): Promise<boolean> {
  const all = typeof pids === 'number' ? [pids] : pids;
  return waitUntil(() => all.every((p) => !isAlive(p)), timeoutMs, `PIDs ${all.join(', ')} to exit`);
}

/** Resolves with the first line of `stream` that matches, or rejects after `timeoutMs` or when the stream ends. */
export function waitForLine(stream: Readable, match: (line: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (fn: () => void) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      fn();
    };
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (match(line)) return done(() => resolve(line));
        nl = buf.indexOf('\n');
      }
    };
    const onEnd = () => done(() => reject(new Error('stream ended before the expected line')));
    const bound = stretched(timeoutMs);
    const timer = setTimeout(() => done(() => reject(new Error(`no matching line within ${bound} ms`))), bound);
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

/** The URL from the child's `LISTENING <url>` stdout line (the fixtures' readiness signal). */
export async function listeningUrl(child: ChildProcess, timeoutMs: number): Promise<string> {
  const line = await waitForLine(child.stdout!, (l) => l.startsWith('LISTENING '), timeoutMs);
  return line.slice('LISTENING '.length).trim();
}

/** Resolves with the exit code and signal, or rejects after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

export function killPid(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (isAlive(pid)) process.kill(pid, signal);
}

/** SIGKILLs each PID that still exists (for PIDs a test learnt of, e.g. upstreams a gateway reported). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) killPid(pid);
}

/** PID → its /proc command line when tracked; killStarted() skips a PID whose command line changed (reused). */
const started = new Map<number, string | undefined>();

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined; // gone (a later kill fails with ESRCH) or no procfs
  }
}

/** Registers a PID this test file started (directly or as a reported grandchild) for killStarted(). */
export function track(pid: number): void {
  started.set(pid, cmdline(pid));
}

/** afterEach/afterAll: SIGKILLs every tracked process (and the group it leads, if any) that is still ours. */
export function killStarted(): void {
  for (const [pid, was] of started) {
    const now = cmdline(pid);
    if (was !== undefined && now !== undefined && now !== was) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // ESRCH: already gone (or not a group leader), which is the normal case.
      }
    }
  }
  started.clear();
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
}

/** Starts `node --import tsx script ...args` in ROOT (stdout and stderr piped), tracked for killStarted(). */
export function spawnTs(script: string, args: string[] = [], opts: SpawnOptions = {}): Spawned {
  return spawnNode(tsxArgs(script, ...args), opts);
}

type SpawnOptions = { env?: Record<string, string>; stdin?: 'pipe' | 'ignore'; cwd?: string };

/** Starts `node ...nodeArgs` in `cwd` (default ROOT; stdout and stderr piped), tracked for killStarted(). */
export function spawnNode(nodeArgs: string[], opts: SpawnOptions = {}): Spawned {
  const child = spawn(process.execPath, nodeArgs, { cwd: opts.cwd ?? ROOT, stdio: [opts.stdin ?? 'pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  if (child.pid === undefined) throw new Error(`spawn failed: no pid for ${nodeArgs.join(' ')}`);
  const pid = child.pid;
  track(pid);
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err += d;
  });
  return { child, pid, stderr: () => err };
}
