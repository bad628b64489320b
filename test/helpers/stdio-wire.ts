// Raw newline-delimited JSON-RPC to a spawned `--stdio` demo server: write any line to stdin, collect
// every stdout line, and wait (bounded) for the answer to a given request id.
import { modernMeta } from './http.js';
import type { Spawned } from './process.js';

export type Message = { jsonrpc?: string; id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string } };

export class StdioWire {
  /** Every line the child wrote to stdout, raw. */
  readonly lines: string[] = [];
  readonly messages: Message[] = [];
  #partial = '';
  #waiters: Array<() => void> = [];
  #nextId = 1000;

  constructor(
    private readonly proc: Spawned,
    readonly era: 'legacy' | 'modern',
  ) {
    proc.child.stdout!.setEncoding('utf8');
    proc.child.stdout!.on('data', (chunk: string) => {
      this.#partial += chunk;
      let nl = this.#partial.indexOf('\n');
      while (nl !== -1) {
        const line = this.#partial.slice(0, nl);
        this.#partial = this.#partial.slice(nl + 1);
        this.lines.push(line);
        try {
          this.messages.push(JSON.parse(line) as Message);
        } catch {
          // Kept in `lines`; the stdout-cleanliness test reports it.
        }
        nl = this.#partial.indexOf('\n');
      }
      for (const w of this.#waiters.splice(0)) w();
    });
    // The child may close stdin under us (oversize line); later writes must not crash the test runner.
    proc.child.stdin!.on('error', () => {});
  }

  /** Writes one raw line (a newline is appended). */
  send(line: string): void {
    this.proc.child.stdin!.write(`${line}\n`);
  }

  /** Sends a request (adding the 2026 envelope on a modern wire) and resolves with its answer. */
  request(method: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<Message> {
    const id = this.#nextId++;
    const full = this.era === 'modern' ? { ...params, _meta: { ...modernMeta(), ...(params._meta as object | undefined) } } : params;
    this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params: full }));
    return this.answer(id, timeoutMs);
  }

  /** Resolves with the message answering `id`, or rejects after `timeoutMs`. */
  answer(id: unknown, timeoutMs = 10_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to id ${String(id)} within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        const found = this.messages.find((m) => m.id === id && ('result' in m || 'error' in m));
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  /** Opens the connection: `initialize` + `notifications/initialized` (legacy) or `server/discover` (modern). */
  async open(): Promise<Message> {
    if (this.era === 'modern') return this.request('server/discover');
    const init = await this.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } });
    this.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    return init;
  }

  /** A normal echo call; returns its text. */
  async echo(text: string): Promise<string> {
    const res = await this.request('tools/call', { name: 'echo', arguments: { text } });
    return (res.result?.content as Array<{ text: string }> | undefined)?.[0]?.text ?? JSON.stringify(res);
  }
}
