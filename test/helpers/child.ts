// Spawns the demo server fixture as a child process, waits for its output with a deadline, and kills
// only the children it started, by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const DEMO_SERVER = fileURLToPath(new URL('../fixtures/demo-server.ts', import.meta.url));
/** Repository root: children run from here so `--import tsx` resolves. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const started = new Set<number>();

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
}

/** Starts `node --import tsx demo-server.ts ...args` with piped stdio. */
export function spawnDemo(args: string[], logLevel = 'warn'): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', DEMO_SERVER, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, MCPLEX_LOG_LEVEL: logLevel },
  });
  if (child.pid === undefined) throw new Error('spawn failed: no pid');
  const pid = child.pid;
  started.add(pid);
  child.once('exit', () => started.delete(pid));
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    err += d;
  });
  return { child, pid, stderr: () => err };
}

/** Resolves with the first line of `stream` that matches, or rejects after `timeoutMs`. */
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
    const timer = setTimeout(() => done(() => reject(new Error(`no matching line within ${timeoutMs} ms`))), timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

/** Spawns the fixture in HTTP mode on an ephemeral port and waits for `LISTENING <url>`. */
export async function spawnDemoHttp(timeoutMs = 20_000): Promise<Spawned & { url: string }> {
  const s = spawnDemo(['--http', '--port', '0']);
  try {
    const line = await waitForLine(s.child.stdout!, (l) => l.startsWith('LISTENING '), timeoutMs);
    return { ...s, url: line.slice('LISTENING '.length).trim() };
  } catch (err) {
    killPid(s.pid);
    throw new Error(`${(err as Error).message}; child stderr:\n${s.stderr()}`);
  }
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

/** True while a process with this PID exists (signal 0 probes without delivering anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function killPid(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (isAlive(pid)) process.kill(pid, signal);
}

/** For afterAll: SIGKILLs every child this module started that is still running. */
export function killStarted(): void {
  for (const pid of started) killPid(pid);
  started.clear();
}
