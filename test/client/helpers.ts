// Shared pieces for the client tests: the echo fixture as a StdioProcessTransport, the recording Logger
// (re-exported), and a bounded event wait. Every spawned PID is tracked for cleanup.
import type { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import type { Logger } from '../../src/core/logger.js';
import { StdioProcessTransport } from '../../src/client/stdio-process-transport.js';
import { ROOT, track, tsxArgs } from '../helpers/process.js';

export const ECHO_SERVER = fileURLToPath(new URL('./fixtures/echo-server.ts', import.meta.url));

export { capturingLogger, type LogEntry } from '../helpers/logger.js';

export function echoTransport(log: Logger, opts: { name?: string; killTimeoutMs?: number; maxLineBytes?: number } = {}): StdioProcessTransport {
  return new StdioProcessTransport(
    { name: opts.name ?? 'echo', command: process.execPath, args: tsxArgs(ECHO_SERVER), cwd: ROOT, env: { MCPLEX_LOG_LEVEL: 'warn' } },
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
    if (transport.pid !== undefined) track(transport.pid);
  }
  return { client, closed, close: () => client.close() };
}

export async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const res = await client.callTool({ name, arguments: args });
  const first = (res.content as Array<{ type: string; text?: string }>)[0];
  return first?.type === 'text' ? (first.text ?? '') : '';
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
