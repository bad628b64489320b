// Shared pieces for the client tests: the echo fixture as a StdioProcessTransport, a Logger that
// records every entry with its bindings, and bounded waits. Every spawned PID is tracked for cleanup.
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import type { Logger } from '../../src/core/logger.js';
import { StdioProcessTransport } from '../../src/client/stdio-process-transport.js';

export const ECHO_SERVER = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));
/** Repository root: children run from here so `--import tsx` resolves. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  bindings: Record<string, unknown>;
  obj: unknown;
  msg?: string;
}

/** A Logger that keeps everything (children share the list and carry their merged bindings). */
export function capturingLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (obj: unknown, msg?: string) => {
    entries.push({ level, bindings, obj, ...(msg !== undefined && { msg }) });
  };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => capturingLogger(entries, { ...bindings, ...more }),
  };
}

/** Every PID a test started (leaders and reported grandchildren), for the afterEach sweep. */
export const startedPids = new Set<number>();

export function echoTransport(log: Logger, opts: { name?: string; killTimeoutMs?: number; maxLineBytes?: number } = {}): StdioProcessTransport {
  return new StdioProcessTransport(
    { name: opts.name ?? 'echo', command: process.execPath, args: ['--import', 'tsx', ECHO_SERVER], cwd: ROOT, env: { MCPLEX_LOG_LEVEL: 'warn' } },
    { log, ...(opts.killTimeoutMs !== undefined && { killTimeoutMs: opts.killTimeoutMs }), ...(opts.maxLineBytes !== undefined && { maxLineBytes: opts.maxLineBytes }) },
  );
}

/** An SDK Client connected over the transport; `closed` resolves with an Error describing the exit. */
export async function connectEcho(transport: StdioProcessTransport): Promise<{ client: Client; closed: Promise<Error>; close(): Promise<void> }> {
  const client = new Client({ name: 'mcplex-client-test', version: '1.0.0' });
  const closed = new Promise<Error>((resolve) => {
    client.onclose = () => resolve(new Error(`exited: ${JSON.stringify(transport.lastExit)}`));
  });
  try {
    await client.connect(transport);
  } finally {
    if (transport.pid !== undefined) startedPids.add(transport.pid);
  }
  return { client, closed, close: () => client.close() };
}

export async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const res = await client.callTool({ name, arguments: args });
  const first = (res.content as Array<{ type: string; text?: string }>)[0];
  return first?.type === 'text' ? (first.text ?? '') : '';
}

/** True while the PID exists (a not-yet-reaped zombie counts: it only disappears once reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until `check()` is true; rejects with `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Waits until kill(pid, 0) reports ESRCH. Killed grandchildren are reparented to init and stay zombies
 * until it reaps them, which in some sandboxes takes a couple of seconds; hence the generous bound.
 */
export function waitGone(pid: number, timeoutMs = 6000): Promise<void> {
  return waitUntil(() => !isAlive(pid), timeoutMs, `pid ${pid} to disappear`);
}

/** The next emission of `event`, or a rejection after `timeoutMs`. */
export function nextEvent<T extends unknown[]>(emitter: EventEmitter, event: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, on);
  });
}

/** Guards against PID reuse: on Linux, only signal a PID whose command line is still one of ours. */
function stillOurs(pid: number): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('echo-server') || cmdline.startsWith('sleep');
  } catch {
    return true; // gone (the kill then fails with ESRCH) or no procfs
  }
}

/** afterEach: SIGKILLs whatever a test left running, by PID (and the leader's group), then forgets it. */
export function killStarted(): void {
  for (const pid of startedPids) {
    if (!stillOurs(pid)) continue;
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // ESRCH: already gone, which is the normal case.
      }
    }
  }
  startedPids.clear();
}
