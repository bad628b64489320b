// One upstream MCP server as a child process speaking newline-delimited JSON-RPC on stdin/stdout. It runs in its
// own process group, reaped at shutdown, when the leader crashes, and (by the watchdog) when we die.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type JSONRPCMessage, serializeMessage, type Transport } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import type { Logger } from '../core/logger.js';
import { asJsonRpcMessage, malformedAnswer } from '../wire/json-rpc-shape.js';
import { LineSplitter } from '../wire/line-splitter.js';
import { TopLevelReader } from '../wire/top-level-reader.js';
import { MAX_MESSAGE_BYTES, tooLargeAnswer } from './capped-fetch.js';
import { DepthGuard } from './depth-guard.js';
import { GroupWatchdog } from './group-watchdog.js';
import { WarningThrottle } from './warning-throttle.js';

export interface StdioProcessSpec {
  name: string;
  command: string;
  args?: string[];
  /** Added to the SDK's safe default environment (PATH, HOME, ...); the gateway's own env is not inherited. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface StdioProcessOptions {
  log: Logger;
  /** How long each shutdown step (stdin EOF, SIGTERM, SIGKILL) may take. Default 2000 ms. */
  killTimeoutMs?: number;
  /** Longest stdout line accepted; longer ones are reported and skipped. Default 10 MiB (the SDK's limit). */
  maxLineBytes?: number;
  /** Deepest JSON nesting accepted from the server; default UPSTREAM_MAX_JSON_DEPTH (128). */
  maxJsonDepth?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const STDERR_MAX_LINE = 64 * 1024;

export class StdioProcessTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  /** How the child ended; undefined while it runs or if it never started. */
  lastExit: ProcessExit | undefined;

  readonly #spec: StdioProcessSpec;
  readonly #log: Logger;
  readonly #killTimeoutMs: number;
  readonly #stdout: LineSplitter;
  readonly #stderr: LineSplitter;
  readonly #depth: DepthGuard;
  /** The top level of the overlong stdout line passing now, if any. */
  #overlong: TopLevelReader | undefined;
  readonly #warnings: WarningThrottle;
  #child: ChildProcess | undefined;
  #started = false;
  #exited = false;
  #closing: Promise<void> | undefined;
  #finished = false;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(spec: StdioProcessSpec, opts: StdioProcessOptions) {
    this.#spec = spec;
    this.#log = opts.log.child({ upstream: spec.name });
    this.#killTimeoutMs = opts.killTimeoutMs ?? 2000;
    this.#depth = new DepthGuard(spec.name, this.#log, opts.maxJsonDepth);
    this.#warnings = new WarningThrottle(this.#log, 'upstream stdio error');
    this.#done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    const maxLine = opts.maxLineBytes ?? MAX_MESSAGE_BYTES;
    this.#stdout = new LineSplitter(
      maxLine,
      (line) => this.#onLine(line),
      (bytes) => this.#report(new Error(`${spec.name}: stdout line longer than ${bytes} bytes skipped`)),
      (part, end) => this.#onOverlong(part, end, maxLine),
    );
    // stderr is diagnostics only: an overlong line becomes a marker instead of unbounded buffering.
    this.#stderr = new LineSplitter(STDERR_MAX_LINE, (line) => this.#log.info({ line: line.toString('utf8').replace(/\r$/, '') }, 'stderr'), () =>
      this.#log.info({ line: '[stderr line truncated]' }, 'stderr'),
    );
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): Promise<void> {
    if (this.#started) return Promise.reject(new Error(`${this.#spec.name}: transport already started`));
    this.#started = true;
    const { name, command, args = [], env, cwd } = this.#spec;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        // Own process group: close() and crash cleanup signal -pid, reaching everything the server forked.
        detached: true,
        env: { ...getDefaultEnvironment(), ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
        ...(cwd && { cwd }),
      });
      this.#child = child;
      child.once('spawn', () => {
        // First thing: from here on even our SIGKILL takes the group down with us.
        GroupWatchdog.shared()?.watch(child.pid!);
        // Arguments can carry tokens: log how many, not what.
        this.#log.info({ upstreamPid: child.pid, command, argCount: args.length }, 'upstream process started');
        resolve();
      });
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) {
          this.#report(err); // e.g. a failed kill(); the process lives on
          return;
        }
        const error = new Error(spawnFailure(name, command, cwd, err), { cause: err });
        this.#log.error({ err: error.message }, 'upstream process failed to start');
        reject(error);
        this.#finish();
      });
      child.once('exit', (code, signal) => this.#onExit(code, signal));
      // After the leader exits, a grandchild may still hold the pipes; 'close' is only a nicety.
      child.once('close', () => this.#finish());
      child.stdout!.on('data', (chunk: Buffer) => this.#stdout.push(chunk));
      child.stderr!.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
      // An unhandled stream 'error' would crash the whole gateway; one upstream's pipe trouble must not.
      child.stdout!.on('error', (err) => this.#report(err));
      child.stderr!.on('error', (err) => this.#log.warn({ err: String(err) }, 'stderr pipe error'));
      // EPIPE after the child died is expected; anything else while running is worth reporting.
      child.stdin!.on('error', (err) => {
        if (!this.#exited && !this.#closing) this.#report(err);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#exited || this.#closing || !stdin.writable) {
      return Promise.reject(new Error(`${this.#spec.name}: not connected`));
    }
    // Messages sent in one turn of the event loop (say, calls that arrived on several sockets in one poll) leave
    // in one write syscall: several calls in flight are the common case.
    if (!stdin.writableCorked) {
      stdin.cork();
      setImmediate(() => stdin.uncork());
    }
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Stdin EOF → SIGTERM to the group → SIGKILL to the group, each step waiting killTimeoutMs for exit. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const child = this.#child;
    if (!child || child.pid === undefined || this.#exited) {
      if (!child || child.pid === undefined) this.#finish();
      return this.#done;
    }
    child.stdin?.end();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (await this.#exitWithin(this.#killTimeoutMs)) break;
      this.#log.warn({ upstreamPid: child.pid, signal }, 'upstream did not exit; signalling its process group');
      this.#signalGroup(signal);
    }
    if (!(await this.#exitWithin(this.#killTimeoutMs))) {
      this.#log.error({ upstreamPid: child.pid }, 'upstream survived SIGKILL; giving up on it');
      this.#finish();
    }
    return this.#done;
  }

  #exitWithin(ms: number): Promise<boolean> {
    if (this.#exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.#child!.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    this.lastExit = { code, signal };
    this.#log.info({ upstreamPid: this.#child?.pid, code, signal }, 'upstream process exited');
    // The leader is gone, so nothing coordinates the rest of its group: kill stragglers outright.
    this.#signalGroup('SIGKILL');
    // Give stdout a moment to drain the leader's last messages, then stop waiting on pipe holders.
    setTimeout(() => this.#finish(), 250).unref();
  }

  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      if (process.platform === 'win32') this.#child!.kill(signal);
      else process.kill(-pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') this.#log.warn({ upstreamPid: pid, signal, err: String(err) }, 'signalling upstream failed');
    }
  }

  /** Runs once, whichever way the process ended: flushes, releases the pipes, fires onclose. */
  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stderr.flush();
    this.#warnings.flush();
    const child = this.#child;
    if (child?.pid !== undefined) GroupWatchdog.shared()?.unwatch(child.pid);
    child?.stdout?.destroy();
    child?.stderr?.destroy();
    child?.stdin?.destroy();
    this.#resolveDone();
    this.onclose?.();
  }

  #onLine(line: Buffer): void {
    const text = line.toString('utf8').replace(/\r$/, '');
    if (!text.trim()) return;
    const message = this.#decode(text);
    try {
      if (message) this.onmessage?.(message);
    } catch (err) {
      this.#report(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * An overlong line is not kept, but its top level is read as it passes: when it answers one of our requests, that
   * request gets an error saying why at once (else it would wait for its timeout).
   */
  #onOverlong(part: Buffer, end: boolean, limit: number): void {
    this.#overlong ??= new TopLevelReader();
    this.#overlong.push(part);
    if (!end) return;
    const top = this.#overlong.end();
    this.#overlong = undefined;
    const id = top?.id;
    if (!top || top.method !== undefined || !('result' in top || 'error' in top) || !(typeof id === 'string' || typeof id === 'number')) return;
    try {
      this.onmessage?.(tooLargeAnswer(id, limit) as JSONRPCMessage);
    } catch (err) {
      this.#report(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The message a line carries (for a too-deep answer, an error response in its place), or undefined. */
  #decode(text: string): JSONRPCMessage | undefined {
    const tooDeep = this.#depth.screen(text);
    if (tooDeep) {
      if (tooDeep.reply) this.send(tooDeep.reply).catch((err: Error) => this.#report(err));
      return tooDeep.deliver;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.#report(new Error(`${this.#spec.name}: skipped non-JSON stdout line: ${text.slice(0, 200)}`, { cause: err }));
      return undefined;
    }
    const message = asJsonRpcMessage(value);
    if (message) return message;
    // A malformed answer to one of our requests fails that request now, saying why (the line is still reported).
    const instead = malformedAnswer(value, `Server '${this.#spec.name}'`);
    this.#report(new Error(`${this.#spec.name}: ${instead ? 'malformed answer' : 'skipped non-JSON-RPC stdout line'}: ${text.slice(0, 200)}`));
    return instead;
  }

  #report(err: Error): void {
    this.#warnings.warn({ err: err.message });
    this.onerror?.(err);
  }
}

function spawnFailure(name: string, command: string, cwd: string | undefined, err: NodeJS.ErrnoException): string {
  const prefix = `Cannot start upstream '${name}'`;
  if (err.code === 'ENOENT' && cwd && !existsSync(cwd)) return `${prefix}: working directory '${cwd}' does not exist`;
  if (err.code === 'ENOENT') return `${prefix}: command '${command}' not found (ENOENT); check the command and PATH`;
  if (err.code === 'EACCES') return `${prefix}: command '${command}' is not executable (EACCES)`;
  return `${prefix}: spawning '${command}' failed: ${err.message}`;
}
