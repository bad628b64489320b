// Starting and stopping benchmark processes by PID: spawn with piped output, wait for a URL line or an open
// port (with a deadline), record the process tree while it runs, then SIGTERM the root and SIGKILL what remains.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { processTree } from '../load/proc.js';

/** Every process this module started and has not yet stopped, for a last-resort cleanup. */
export const running = new Set<Proc>();

function startTime(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export class Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** pid -> start time, for every descendant ever seen (so a reused PID is never signalled). */
  readonly #seen = new Map<number, string>();
  readonly #timer: NodeJS.Timeout;
  #stdout = '';
  #stderr = '';

  constructor(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }) {
    // `npm run bench -- gc` starts node targets with V8 flags of its own (bench/gc.ts).
    const flags = command === process.execPath ? (process.env.MCPLEX_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []) : [];
    this.child = spawn(command, [...flags, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (this.child.pid === undefined) throw new Error(`spawn failed: ${command}`);
    this.pid = this.child.pid;
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (this.#stdout.length < 65_536) this.#stdout += d;
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-8192);
    });
    this.#timer = setInterval(() => this.record(), 500);
    this.#timer.unref();
    running.add(this);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  stderr(): string {
    return this.#stderr;
  }

  /** Remembers the current tree so that stop() can reach children that outlive their parent. */
  record(): void {
    for (const pid of processTree([this.pid])) {
      const st = startTime(pid);
      if (st !== undefined && !this.#seen.has(pid)) this.#seen.set(pid, st);
    }
  }

  /** Resolves with the first stdout match of `re` (group 1), or rejects after `timeoutMs` or on exit. */
  async waitForStdout(re: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = re.exec(this.#stdout);
      if (m) return m[1] ?? m[0];
      if (!this.alive) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${re} on stdout within ${timeoutMs} ms (alive: ${this.alive}); stderr: ${this.#stderr.slice(-1500)}`);
  }

  /** Resolves when 127.0.0.1:port accepts a connection, or rejects after `timeoutMs`. */
  async waitForPort(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.alive) {
      const open = await new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (open) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`port ${port} not open within ${timeoutMs} ms (alive: ${this.alive}); stderr: ${this.#stderr.slice(-1500)}`);
  }

  /** SIGTERM to the root; after `graceMs` SIGKILL to the root and every recorded descendant still alive. */
  async stop(graceMs = 5000): Promise<void> {
    this.record();
    clearInterval(this.#timer);
    if (this.alive) {
      const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
      this.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs).unref())]);
    }
    for (const [pid, st] of this.#seen) {
      if (startTime(pid) !== st) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.alive) await Promise.race([new Promise<void>((r) => this.child.once('exit', () => r())), new Promise((r) => setTimeout(r, 3000).unref())]);
    running.delete(this);
  }
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
