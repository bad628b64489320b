// The `direct` baseline: the load client spawns the upstream itself and speaks newline-delimited JSON-RPC over
// its stdio (2025 era), with calls pipelined; no gateway in between. Each session is one upstream process.
import { type ChildProcess, spawn } from 'node:child_process';
import type { CallResult, McpSession } from './sessions.js';
import { LEGACY_VERSION } from './sessions.js';

interface Pending {
  resolve: (r: CallResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class StdioSession implements McpSession {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #buf = '';

  private constructor(command: string, args: string[]) {
    this.#child = spawn(command, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    this.#child.stdout!.setEncoding('utf8');
    this.#child.stdout!.on('data', (d: string) => this.#onData(d));
    this.#child.once('exit', () => {
      for (const p of this.#pending.values()) p.reject(new Error('upstream exited'));
      this.#pending.clear();
    });
    this.#child.stdin!.on('error', () => undefined);
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  static async open(command: string, args: string[], timeoutMs: number): Promise<StdioSession> {
    const s = new StdioSession(command, args);
    try {
      await s.#request('initialize', { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'mcplex-bench', version: '1.0.0' } }, timeoutMs);
      s.#write({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return s;
    } catch (err) {
      await s.close();
      throw err;
    }
  }

  #write(msg: unknown): void {
    this.#child.stdin!.write(`${JSON.stringify(msg)}\n`);
  }

  #onData(d: string): void {
    this.#buf += d;
    let nl = this.#buf.indexOf('\n');
    while (nl !== -1) {
      const line = this.#buf.slice(0, nl).trim();
      this.#buf = this.#buf.slice(nl + 1);
      nl = this.#buf.indexOf('\n');
      if (line.length === 0) continue;
      const msg = JSON.parse(line) as { id?: number; result?: CallResult; error?: { code: number; message: string } };
      const p = typeof msg.id === 'number' ? this.#pending.get(msg.id) : undefined;
      if (!p) continue;
      this.#pending.delete(msg.id as number);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(`JSON-RPC error ${msg.error.code}: ${msg.error.message}`));
      else p.resolve(msg.result ?? {});
    }
  }

  #request(method: string, params: unknown, timeoutMs: number): Promise<CallResult> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#write({ jsonrpc: '2.0', id, method, params });
    });
  }

  call(tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<CallResult> {
    return this.#request('tools/call', { name: tool, arguments: args }, timeoutMs);
  }

  /** Closes stdin, then SIGTERM after 1 s and SIGKILL after 3 s if the upstream has not exited. */
  async close(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdin!.end();
    const wait = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (await wait(1000)) return;
    child.kill('SIGTERM');
    if (await wait(2000)) return;
    child.kill('SIGKILL');
    await wait(1000);
  }
}
